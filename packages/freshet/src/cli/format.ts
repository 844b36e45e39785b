/**
 * What the CLI prints for people (with --json it prints the API's JSON instead): an event's
 * short summary, a list of events, and the progress lines of `--wait`. Pure functions.
 */
import type { ContentChange, Plan, PlanEntry } from '../core/domain.ts'
import type { EventSummary, EventView } from '../http/page/client/types.ts'

const time = (iso: string | null | undefined) =>
  iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : '—'

function seconds(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return ''
  const ms = Date.parse(to) - Date.parse(from)
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : ''
}

/**
 * `pods confirmed 2/3`: the pods that confirmed, of those the batch called; with
 * `pods.fanout: one`, `pods confirmed 1/1, 2 skipped (shared cache)`.
 */
export function podProgress(view: EventView): string | undefined {
  if (view.pods.length === 0) return undefined
  const confirmed = view.pods.filter((p) => p.status === 'confirmed').length
  const skipped = view.pods.filter((p) => p.status === 'skipped').length
  const called = `pods confirmed ${confirmed}/${view.pods.length - skipped}`
  return skipped > 0 ? `${called}, ${skipped} skipped (shared cache)` : called
}

/** `invalidations Completed 1/2`: CloudFront invalidations (chunks) that completed. */
export function invalidationProgress(view: EventView): string | undefined {
  const created = view.invalidations
  if (created.length === 0) return undefined
  const completed = created.filter((i) => i.status === 'Completed').length
  return `invalidations Completed ${completed}/${created.length}`
}

/** One line of `--wait`: the stage, then its progress. Printed each time it changes. */
export function progressLine(view: EventView): string {
  const parts = [podProgress(view), invalidationProgress(view)].filter(Boolean)
  const stage = view.status.padEnd(9)
  if (view.status === 'completed') {
    const took = seconds(view.receivedAt, view.finishedAt)
    return `${stage} ${[took && `in ${took}`, ...parts].filter(Boolean).join(', ')}`.trimEnd()
  }
  if (view.status === 'failed') {
    const at = view.batch?.failedStage ? ` at ${view.batch.failedStage}` : ''
    return `${stage} ${[`${errorOf(view) ?? 'no reason given'}${at}`, ...parts].join(', ')}`
  }
  return `${stage} ${parts.join(', ')}`.trimEnd()
}

/** The stages a batch passes, in order (`received` and `scheduled` come before the batch). */
const STAGES = ['planning', 'pods', 'cdn', 'tracking'] as const

/** What a stage did, once it ended: its outcome from the event as it is now. */
function endedText(stage: (typeof STAGES)[number], view: EventView): string | undefined {
  if (stage === 'planning') {
    const plan = view.batch?.plan
    return plan ? `planned ${plan.paths.length} paths, ${plan.tags.length} tags` : undefined
  }
  if (stage === 'pods') return podProgress(view)
  if (stage === 'cdn') {
    const n = view.invalidations.length
    return `${n} invalidation${n === 1 ? '' : 's'} created`
  }
  return invalidationProgress(view)
}

/**
 * `--wait`'s lines for the event as it is now: one per stage it passed (from the batch's
 * recorded stage times, so a stage shorter than a look is still there), then the current
 * stage's progress. A follower prints each line it has not printed yet, in this order.
 */
export function stageLines(view: EventView): { stage: string; text: string }[] {
  const lines: { stage: string; text: string }[] = []
  const stages = view.batch?.stages ?? {}
  for (const stage of STAGES) {
    const record = stages[stage]
    if (!record || stage === view.status) continue
    if (record.skipped) lines.push({ stage, text: `${stage.padEnd(9)} skipped: ${record.skipped}` })
    else if (record.endedAt) {
      const took = seconds(record.startedAt, record.endedAt)
      const what = [endedText(stage, view), took && `in ${took}`].filter(Boolean).join(', ')
      lines.push({ stage, text: `${stage.padEnd(9)} ${what}`.trimEnd() })
    }
  }
  lines.push({ stage: view.status, text: progressLine(view) })
  return lines
}

const errorOf = (view: EventView) => view.error ?? view.batch?.error ?? undefined

/** `freshet status ID`: a few lines, the stage first. */
export function eventText(view: EventView): string {
  const rows: [string, string][] = [
    [
      'stage',
      view.status + (view.batch?.failedStage ? ` (failed at ${view.batch.failedStage})` : ''),
    ],
    ['source', view.source],
    ['received', time(view.receivedAt)],
  ]
  if (view.notBefore) rows.push(['not before', time(view.notBefore)])
  if (view.finishedAt)
    rows.push([
      'finished',
      `${time(view.finishedAt)} (${seconds(view.receivedAt, view.finishedAt)})`,
    ])
  const plan = view.batch?.plan
  if (plan) rows.push(['plan', `${plan.paths.length} paths, ${plan.tags.length} tags`])
  rows.push(['pods', podProgress(view)?.replace('pods ', '') ?? 'none called'])
  const failedPods = view.pods.filter((p) => p.status === 'failed')
  for (const pod of failedPods) rows.push(['', `${pod.id}: ${pod.error ?? 'failed'}`])
  rows.push(['invalidations', invalidationProgress(view)?.replace('invalidations ', '') ?? 'none'])
  for (const i of view.invalidations)
    rows.push(['', `${i.distributionId} ${i.id ?? '(not created)'} ${i.status} (${i.items} items)`])
  const error = errorOf(view)
  if (error) rows.push(['error', error])
  const width = Math.max(...rows.map(([k]) => k.length))
  return [`event ${view.id}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n')
}

/** `freshet events`: one line per event, recent first. */
export function eventsText(events: readonly EventSummary[]): string {
  if (events.length === 0) return 'no events'
  return events
    .map((e) =>
      [e.id, e.status.padEnd(9), e.source.padEnd(10), time(e.receivedAt), e.error ?? '']
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

interface Simulation {
  ignored?: string
  changes?: readonly ContentChange[]
  plan: Plan | null
}

const changeText = (c: ContentChange) =>
  c.kind === 'purge'
    ? `${c.source} purge: ${c.paths.length} paths, ${c.tags.length} tags`
    : `${c.source} ${c.collection}:${c.id} ${c.action}`

function entriesText(title: string, entries: readonly PlanEntry[]): string[] {
  if (entries.length === 0) return [`${title}: none`]
  const width = Math.max(...entries.map((e) => e.value.length))
  return [
    `${title} (${entries.length}):`,
    ...entries.map(
      (e) =>
        `  ${e.value.padEnd(width)}  ${e.reasons.map((r) => `${r.kind}: ${r.detail}`).join('; ')}`,
    ),
  ]
}

/** `freshet simulate`: the changes a webhook makes, then what would be purged and why. */
export function simulationText(answer: Simulation): string {
  if (answer.ignored !== undefined) return `ignored: ${answer.ignored}; nothing would be purged`
  const changes = answer.changes ?? []
  const lines = [`changes (${changes.length}):`, ...changes.map((c) => `  ${changeText(c)}`)]
  if (answer.plan) {
    lines.push(...entriesText('paths', answer.plan.paths), ...entriesText('tags', answer.plan.tags))
    for (const note of answer.plan.notes) lines.push(`${note.level}: ${note.message}`)
  }
  lines.push('(nothing was changed: a dry run)')
  return lines.join('\n')
}
