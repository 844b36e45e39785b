/**
 * What the CLI prints for people (with --json it prints the API's JSON instead): an event's
 * short summary, a list of events, and the progress lines of `--wait`. Pure functions.
 */
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
