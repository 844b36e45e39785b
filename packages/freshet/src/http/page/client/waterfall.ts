/**
 * One event as a waterfall, in milliseconds from its webhook: waiting to be batched, each stage
 * (queued, then working), each attempt of each pod, each attempt to create each CDN
 * invalidation and the invalidation itself (by target name, whatever the CDN), and the pods and
 * CDN chunks being retried right now (from the live stream). Every bar also reads as text.
 */
import { h } from './dom.ts'
import { type EventView, pipelineStages } from './types.ts'

/** A pod (`pod:retrying`) or a CDN chunk (`cdn:retrying`) being retried now, from the stream. */
export interface LiveRetry {
  podId?: string
  url?: string
  /** A CDN chunk's create, not a pod. */
  distributionId?: string
  chunk?: number
  attempt: number
  of: number
  error: string
  nextAt: string
  /** When the attempt failed: the bar is the wait from then, until the next try. */
  at?: string
  /** The attempts so far, drawn as bars until the store has them. */
  log?: Attempt[]
}

interface Attempt {
  at: string
  ms: number
  ok: boolean
  error?: string | undefined
}

interface Bar {
  label: string
  kind: 'wait' | 'stage' | 'pod' | 'cdn' | 'retry'
  status: string
  from: number
  to: number | null
  /** A stage's job picked up by a worker: the bar is drawn queued, then working. */
  pickedUp?: number | null
  note?: string | undefined
}

export function renderWaterfall(view: EventView, live: LiveRetry[], now = Date.now()) {
  const t0 = Date.parse(view.receivedAt)
  const bars = collect(view, live, now)
  const ends = bars.map((b) => b.to ?? now)
  const final = view.finishedAt ? Date.parse(view.finishedAt) : now
  const span = Math.max(1, Math.max(final, ...ends) - t0)
  return h(
    'section',
    { class: 'waterfall', 'aria-label': 'Waterfall' },
    h('h3', {}, 'Waterfall ', h('span', { class: 'muted small' }, `(${ms(span)} in all)`)),
    h('ol', { class: 'wf' }, ...bars.map((bar) => row(bar, t0, span, now))),
  )
}

function collect(view: EventView, live: LiveRetry[], now: number): Bar[] {
  const bars: Bar[] = []
  const batch = view.batch
  const t = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null)
  bars.push({
    label: 'waiting to be batched',
    kind: 'wait',
    status: batch ? 'done' : 'waiting',
    from: Date.parse(view.receivedAt),
    to: batch ? Date.parse(batch.createdAt) : null,
  })
  for (const stage of pipelineStages()) {
    const record = batch?.stages[stage]
    if (record?.skipped) {
      bars.push({
        label: stage,
        kind: 'stage',
        status: 'skipped',
        from: 0,
        to: 0,
        note: record.skipped,
      })
      continue
    }
    const from = t(record?.startedAt)
    if (from === null) continue
    const failedHere = batch?.status === 'failed' && batch.failedStage === stage
    const to = t(record?.endedAt) ?? (failedHere ? t(batch?.finishedAt) : null)
    const status = failedHere ? 'failed' : to === null ? 'running' : 'done'
    const pickedUp = t(record?.pickedUpAt)
    const note = pickedUp === null ? undefined : split(from, pickedUp, to, now)
    bars.push({ label: stage, kind: 'stage', status, from, to, pickedUp, note })
    if (stage === 'planning') waitForCms(bars, record?.readAfterPublish)
  }
  for (const pod of view.pods) bars.push(...attemptBars(`pod ${pod.id}`, 'pod', pod.log))
  for (const retry of live) bars.push(...retryBars(view, retry))
  for (const inv of view.invalidations) {
    bars.push(...attemptBars(`${inv.distributionId} · chunk ${inv.chunk}`, 'cdn', inv.log))
    const from = Date.parse(inv.createdAt)
    bars.push({
      label: `${inv.distributionId} · chunk ${inv.chunk}`,
      kind: 'cdn',
      status: inv.status,
      from,
      to: t(inv.completedAt),
      note: inv.id ? `invalidation ${inv.id}, ${inv.items} items` : 'not created yet',
    })
  }
  return bars
}

/** Each call of a pod or a CDN chunk as its own bar, a repeated error said once. */
function attemptBars(name: string, kind: 'pod' | 'cdn', log: readonly Attempt[]): Bar[] {
  return log.map((attempt, i) => {
    const from = Date.parse(attempt.at)
    const repeated = attempt.error !== undefined && attempt.error === log[i - 1]?.error
    return {
      label: `${name} · attempt ${i + 1}`,
      kind,
      status: attempt.ok ? (kind === 'pod' ? 'confirmed' : 'accepted') : 'failed',
      from,
      to: from + attempt.ms,
      note: repeated ? 'same error' : attempt.error,
    }
  })
}

/**
 * A pod or CDN chunk being retried now: its attempts so far (until the store has them: a pod's
 * delivery, a chunk's invalidation) and the wait for the next one.
 */
function retryBars(view: EventView, retry: LiveRetry): Bar[] {
  const isPod = retry.distributionId === undefined
  const pod = view.pods.find((p) => p.id === retry.podId)
  const chunk = view.invalidations.find(
    (i) => i.distributionId === retry.distributionId && i.chunk === retry.chunk && i.id,
  )
  if (isPod ? pod?.status === 'confirmed' : chunk) return []
  const name = isPod ? `pod ${retry.podId}` : `${retry.distributionId} · chunk ${retry.chunk}`
  const stored = isPod ? (pod?.log.length ?? 0) > 0 : false
  return [
    ...(stored ? [] : attemptBars(name, isPod ? 'pod' : 'cdn', retry.log ?? [])),
    {
      label: `${name} · retrying`,
      kind: 'retry',
      status: 'retrying',
      from: Date.parse(retry.at ?? retry.nextAt),
      to: null,
      note: `attempt ${retry.attempt} of ${retry.of} failed: ${retry.error} · next try ${clock(retry.nextAt)}`,
    },
  ]
}

/** A stage's time in the queue, then at work, in milliseconds. */
function split(from: number, pickedUp: number, to: number | null, now: number) {
  const working = to === null ? `${ms(now - pickedUp)} so far` : ms(to - pickedUp)
  return `queued ${ms(pickedUp - from)}, working ${working}`
}

type Stages = NonNullable<EventView['batch']>['stages']

/** The plan stage's wait for the CMS's delivery CDN, as a bar of its own. */
function waitForCms(bars: Bar[], wait: Stages[string]['readAfterPublish']) {
  if (!wait) return
  const timedOut = (wait.pending?.length ?? 0) > 0
  bars.push({
    label: `waiting for ${wait.by.replace(/^the /, '')}`,
    kind: 'wait',
    status: !wait.endedAt ? 'waiting' : timedOut ? 'timed out' : 'done',
    from: Date.parse(wait.startedAt),
    to: wait.endedAt ? Date.parse(wait.endedAt) : null,
    note: timedOut
      ? `not served within ${wait.timeoutMs / 1000} s: ${wait.pending?.join(', ')}`
      : `${wait.items} published item(s) served`,
  })
}

function row(bar: Bar, t0: number, span: number, now: number) {
  const skipped = bar.status === 'skipped'
  const end = bar.to ?? now
  const track = h('span', { class: 'wf-track', 'aria-hidden': 'true' })
  const place = (piece: HTMLElement, from: number, to: number) => {
    // Through the CSSOM: the page's policy forbids style attributes, not this.
    piece.style.left = `${Math.min(99.5, ((from - t0) / span) * 100)}%`
    piece.style.width = `${Math.max(0.5, ((to - from) / span) * 100)}%`
    track.append(piece)
  }
  const status = `wf-${bar.status.toLowerCase().replace(/[^a-z]/g, '')}`
  if (!skipped && bar.pickedUp != null) {
    place(h('span', { class: 'wf-bar wf-queued' }), bar.from, bar.pickedUp)
    place(h('span', { class: `wf-bar wf-working ${status}` }), bar.pickedUp, end)
  } else if (!skipped) place(h('span', { class: `wf-bar wf-${bar.kind} ${status}` }), bar.from, end)
  const when = skipped
    ? 'skipped'
    : `+${ms(bar.from - t0)}, ${bar.to === null ? `${ms(end - bar.from)} so far` : ms(bar.to - bar.from)}`
  return h(
    'li',
    { class: `wf-row wf-row-${bar.kind}` },
    h(
      'span',
      { class: 'wf-label' },
      bar.label,
      ' ',
      h('span', { class: 'wf-status' }, `(${bar.status})`),
    ),
    track,
    h('span', { class: 'wf-time' }, when),
    bar.note
      ? h(
          'span',
          {
            class:
              bar.status === 'failed' || bar.kind === 'retry'
                ? 'wf-note error-text'
                : 'wf-note muted',
          },
          bar.note,
        )
      : null,
  )
}

/** Milliseconds as "12 ms", "1.234 s", "2 min 03.4 s". */
export function ms(value: number) {
  const n = Math.max(0, Math.round(value))
  if (n < 1000) return `${n} ms`
  if (n < 60_000) return `${(n / 1000).toFixed(3)} s`
  return `${Math.floor(n / 60_000)} min ${((n % 60_000) / 1000).toFixed(1).padStart(4, '0')} s`
}

const clock = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
  })
