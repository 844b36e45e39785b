import { type BatchRow, getBatch } from './batches.ts'
import type { Db } from './db.ts'
import { listDeliveries } from './deliveries.ts'
import { type EventRow, getEvent } from './events.ts'
import { listInvalidations } from './invalidations.ts'

/** The trace id in a stored W3C `traceparent` (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(traceparent: string | null): string | null {
  const id = traceparent?.split('-')[1]
  return id && /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id) ? id : null
}

/**
 * An event as the API and the web page show it: from webhook to Completed. `traceUrl`: a link
 * template for its trace (`{traceId}` is replaced), e.g. a Grafana or Jaeger search.
 */
export async function eventView(
  db: Db,
  id: string,
  options: { traceUrl?: string | undefined } = {},
) {
  const event = await getEvent(db, id)
  if (!event) return undefined
  const batch = event.batch_id ? await getBatch(db, event.batch_id) : undefined
  const [pods, invalidations] = batch
    ? await Promise.all([listDeliveries(db, batch.id), listInvalidations(db, batch.id)])
    : [[], []]
  const summary = eventSummary(event)
  return {
    ...summary,
    traceUrl:
      summary.traceId && options.traceUrl
        ? options.traceUrl.replaceAll('{traceId}', summary.traceId)
        : null,
    changes: event.changes,
    scheduled: scheduledBy(event),
    batch: batch ? batchSummary(batch) : null,
    pods: pods.map((d) => ({
      id: d.pod_id,
      url: d.pod_url,
      status: d.status,
      attempts: d.attempts,
      error: d.error,
      startedAt: d.started_at,
      at: d.finished_at,
      /** Each call to the pod (across stage retries), for the waterfall. */
      log: d.attempt_log ?? [],
    })),
    /** Paths this event's batch added to the CloudFront bill (every distribution). */
    pathsBilled: invalidations
      .filter((i) => i.invalidation_id)
      .reduce((sum, i) => sum + i.items, 0),
    // Inner layers first, as they were purged.
    invalidations: invalidations
      .map(layerOf)
      .sort((a, b) => a.layer - b.layer)
      .map((i) => ({
        target: i.target,
        layer: i.layer,
        distributionId: i.distribution_id,
        chunk: i.chunk,
        id: i.invalidation_id,
        callerReference: i.caller_reference,
        status: i.status,
        items: i.items,
        createdAt: i.created_at,
        completedAt: i.completed_at,
        /** Each attempt to create it (each HTTP attempt, SDK retries included), for the waterfall. */
        log: i.attempt_log ?? [],
      })),
  }
}

/** Non-CloudFront targets name themselves `<target>:<id>`; CloudFront ids have no colon. */
function layerOf<T extends { distribution_id: string }>(row: T) {
  const target = row.distribution_id.includes(':')
    ? (row.distribution_id.split(':')[0] ?? 'cdn')
    : 'cloudfront'
  return { ...row, target, layer: target === 'varnish' ? 1 : 2 }
}

export function eventSummary(event: EventRow) {
  return {
    id: event.id,
    source: event.source,
    status: event.status,
    receivedAt: event.received_at,
    notBefore: event.not_before,
    finishedAt: event.finished_at,
    bodyDigest: event.body_digest,
    batchId: event.batch_id,
    error: event.error,
    /** The trace of its webhook and stages, when tracing was on (OpenTelemetry). */
    traceId: traceIdOf(event.trace_context),
    /** Why freshet made the event itself (reconciliation), from its first change that says. */
    reason: reasonOf(event),
  }
}

function reasonOf(event: EventRow): string | null {
  for (const c of event.changes)
    if (c.kind === 'item' && c.provenance?.reason) return c.provenance.reason
  return null
}

function batchSummary(batch: BatchRow) {
  return {
    id: batch.id,
    status: batch.status,
    createdAt: batch.created_at,
    finishedAt: batch.finished_at,
    stages: batch.stages,
    plan: batch.plan,
    failedStage: batch.failed_stage,
    error: batch.error,
  }
}

/** A scheduled publish: Contentful's scheduled action, or a publish date freshet waited for. */
function scheduledBy(event: EventRow) {
  const action = event.changes.find((c) => c.kind === 'item' && c.provenance?.scheduledActionId)
  if (action?.kind === 'item')
    return { by: 'contentful', actionId: action.provenance?.scheduledActionId }
  if (event.not_before) return { by: 'publish-date', at: event.not_before }
  return null
}
