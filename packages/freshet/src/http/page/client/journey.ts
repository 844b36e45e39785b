/**
 * One event's journey, from webhook to Completed: received → planned → every pod → every CDN
 * invalidation → completed or failed, each step with its times and whatever went wrong.
 */
import { badge, type Child, type Content, duration, h, table, time } from './dom.ts'
import { type BatchView, type EventView, type PodView, pipelineStages } from './types.ts'
import { type LiveRetry, renderWaterfall } from './waterfall.ts'

type StepState = 'done' | 'active' | 'waiting' | 'unreached' | 'failed' | 'skipped'

/** Pipeline order of the statuses an event passes through (the stages from the server). */
const order = () => ['received', 'scheduled', ...pipelineStages(), 'completed']

export interface JourneyActions {
  /** Settles when the retry was sent (or failed, and said so). */
  retry(id: string): Promise<void>
}

export function renderJourney(view: EventView, actions: JourneyActions, live: LiveRetry[] = []) {
  return h(
    'ol',
    { class: 'journey' },
    h('li', { class: 'step step-wf' }, renderWaterfall(view, live)),
    step('Received', 'done', received(view)),
    step('Planned', stateOf(view, 'planning'), planned(view)),
    step('Pods revalidated', stateOf(view, 'pods'), pods(view)),
    step('CDN invalidated', stateOf(view, 'cdn', 'tracking'), cdn(view)),
    ending(view, actions),
  )
}

/** Where the event stands relative to one step (or a pair, like cdn + tracking). */
function stateOf(view: EventView, stage: string, lastStage = stage): StepState {
  const stages = view.batch?.stages
  if (stages?.[stage]?.skipped || stages?.[lastStage]?.skipped) return 'skipped'
  const failed = view.status === 'failed'
  const reached = failed ? (view.batch?.failedStage ?? 'received') : view.status
  if (failed && (reached === stage || reached === lastStage)) return 'failed'
  const statuses = order()
  const at = statuses.indexOf(reached)
  if (at > statuses.indexOf(lastStage)) return 'done'
  if (failed) return 'unreached'
  return at >= statuses.indexOf(stage) ? 'active' : 'waiting'
}

const STATE_LABEL: Record<StepState, string> = {
  done: 'done',
  active: 'in progress',
  waiting: 'waiting',
  unreached: 'not reached',
  failed: 'failed',
  skipped: 'skipped',
}

function step(title: string, state: StepState, ...body: Content[]) {
  return h(
    'li',
    { class: `step step-${state}` },
    h('h3', {}, title, ' ', h('span', { class: 'step-state' }, `(${STATE_LABEL[state]})`)),
    ...body,
  )
}

function stageTimes(batch: BatchView | null, ...names: string[]): Child {
  const first = batch?.stages[names[0] ?? '']
  const last = batch?.stages[names.at(-1) ?? '']
  const skipped = names.map((name) => batch?.stages[name]?.skipped).find(Boolean)
  if (skipped) return h('p', { class: 'muted' }, `Skipped: ${skipped}`)
  if (!first?.startedAt) return null
  // A stage that failed has no `endedAt`: it ended when its batch failed.
  const failedHere = batch?.status === 'failed' && names.includes(batch.failedStage ?? '')
  const ended = last?.endedAt ?? (failedHere ? batch?.finishedAt : undefined)
  const took = duration(first.startedAt, ended)
  return h(
    'p',
    { class: 'times' },
    'Started ',
    time(first.startedAt),
    ended ? [failedHere ? ', failed ' : ', ended ', time(ended), took ? ` (${took})` : ''] : '',
  )
}

function received(view: EventView): Content {
  return [
    h(
      'p',
      { class: 'times' },
      time(view.receivedAt),
      ` from ${view.source}`,
      view.notBefore ? [' — scheduled for ', time(view.notBefore)] : '',
    ),
    // Why freshet made the event itself (reconciliation): no webhook said so.
    view.reason ? h('p', { class: 'reason' }, `Reason: ${view.reason}`) : null,
    h('ul', { class: 'changes' }, ...view.changes.map((change) => h('li', {}, describe(change)))),
    h('p', { class: 'muted small' }, `Body ${view.bodyDigest}`),
    trace(view),
  ]
}

/** The event's OpenTelemetry trace: a link when FRESHET_TRACE_URL gives a template. */
function trace(view: EventView): Child {
  if (!view.traceId) return null
  const id = h('code', {}, view.traceId)
  const link = view.traceUrl?.match(/^https?:\/\//)
    ? h('a', { href: view.traceUrl, target: '_blank', rel: 'noopener' }, id)
    : id
  return h('p', { class: 'muted small trace' }, 'Trace ', link)
}

function describe(change: EventView['changes'][number]): string {
  if (change.kind === 'purge') {
    const parts = [
      change.paths.length ? `paths ${change.paths.join(', ')}` : '',
      change.tags.length ? `tags ${change.tags.join(', ')}` : '',
    ].filter(Boolean)
    return `Purge ${parts.join('; ') || '(nothing)'}`
  }
  const locale = change.locale ? ` (${change.locale})` : ''
  return `${change.action} ${change.collection} #${change.id}${locale}`
}

function planned(view: EventView): Content {
  const plan = view.batch?.plan
  if (!view.batch) return h('p', { class: 'muted' }, 'Not planned yet: waiting to be batched.')
  if (!plan) return stageTimes(view.batch, 'planning')
  const notSent = view.batch.stages.cdn?.notSent ?? []
  const entries = (name: string, list: typeof plan.paths) =>
    list.length === 0
      ? h('p', { class: 'muted' }, `No ${name.toLowerCase()}s.`)
      : table(
          `${name}s (${list.length})`,
          [name, 'Why'],
          list.map((entry) => [
            h('code', {}, entry.value),
            [
              entry.reasons.map((r) => `${r.kind}: ${r.detail}`).join('; '),
              ...(name === 'Tag' ? notSentTo(notSent, entry.value) : []),
            ],
          ]),
        )
  return [
    stageTimes(view.batch, 'planning'),
    h('p', { class: 'muted small' }, `Batch ${view.batch.id}`),
    entries('Path', plan.paths),
    entries('Tag', plan.tags),
    plan.notes.length
      ? h(
          'ul',
          { class: 'notes' },
          ...plan.notes.map((n) =>
            h(
              'li',
              { class: `note-${n.level === 'warn' ? 'warn' : 'info'}` },
              `${n.level}: ${n.message}`,
            ),
          ),
        )
      : null,
  ]
}

function pods(view: EventView): Content {
  if (view.pods.length === 0) return stageTimes(view.batch, 'pods')
  return [
    stageTimes(view.batch, 'pods'),
    table(
      `Pods (${view.pods.length})`,
      ['Pod', 'Status', 'Attempts', 'Finished'],
      view.pods.map((pod) => [podName(pod), badge(pod.status), pod.attempts, time(pod.at)]),
      view.pods.map((pod) => pod.error && h('span', { class: 'error-text' }, pod.error)),
    ),
  ]
}

/** A pod's id, and its address when the id does not already say it (Kubernetes pod names). */
function podName(pod: PodView): Content {
  if (pod.url.includes(pod.id)) return h('code', {}, pod.url)
  return [pod.id, h('br'), h('code', { class: 'small muted' }, pod.url)]
}

function cdn(view: EventView): Content {
  if (view.invalidations.length === 0) return stageTimes(view.batch, 'cdn', 'tracking')
  return [
    stageTimes(view.batch, 'cdn', 'tracking'),
    table(
      `Invalidations (${view.invalidations.length})`,
      ['Distribution', 'Chunk', 'Invalidation', 'Status', 'Items', 'Created', 'Completed'],
      view.invalidations.map((inv) => [
        h('code', {}, inv.distributionId),
        inv.chunk,
        inv.id ? h('code', {}, inv.id) : h('span', { class: 'muted' }, 'not created yet'),
        badge(inv.status),
        inv.items,
        time(inv.createdAt),
        [
          time(inv.completedAt),
          inv.completedAt ? ` (${duration(inv.createdAt, inv.completedAt)})` : '',
        ],
      ]),
    ),
  ]
}

function ending(view: EventView, actions: JourneyActions) {
  if (view.status === 'completed') {
    return step(
      'Completed',
      'done',
      h(
        'p',
        { class: 'times' },
        time(view.finishedAt),
        ` — ${duration(view.receivedAt, view.finishedAt)} after the webhook`,
      ),
    )
  }
  if (view.status !== 'failed') return step('Completed', 'waiting')
  const error = view.error ?? view.batch?.error ?? 'no reason recorded'
  return step(
    'Failed',
    'failed',
    h(
      'p',
      { class: 'times' },
      time(view.finishedAt),
      view.batch?.failedStage ? ` in the ${view.batch.failedStage} stage` : '',
    ),
    h('p', { class: 'error-text', role: 'alert' }, error),
    retryButton(view.id, actions),
  )
}

/** Disabled while its request runs, so a double click sends one retry. */
function retryButton(id: string, actions: JourneyActions) {
  const button = h('button', { type: 'button', class: 'retry' }, 'Retry this event')
  button.addEventListener('click', () => {
    button.disabled = true
    void actions.retry(id).finally(() => {
      button.disabled = false
    })
  })
  return button
}

/** A tag some CDN target was not sent (it has no cache tags): marked, with the target. */
function notSentTo(notSent: { target: string; value: string; reason: string }[], tag: string) {
  return notSent
    .filter((n) => n.value === tag)
    .map((n) => h('span', { class: 'not-sent' }, h('br'), `Not sent to ${n.target}: ${n.reason}`))
}
