import {
  Counter,
  collectDefaultMetrics,
  Histogram,
  type LabelValues,
  Registry,
  type RegistryContentType,
} from 'prom-client'
import type { Lifecycle } from '../pipeline/lifecycle.ts'
import { STAGE_NAMES } from '../pipeline/stages.ts'
import type { Db } from '../store/db.ts'
import { observeStore } from './store-metrics.ts'

/**
 * Prometheus metrics, fed by the pipeline's lifecycle events; with `db`, also the backlog's age
 * and the month's CloudFront paths, read from the store at each scrape. Names follow
 * Prometheus's conventions: base units (`_seconds`), counters end in `_total`.
 */
export function createMetrics(
  lifecycle: Lifecycle,
  options: {
    defaultMetrics?: boolean
    db?: Db
    now?: () => Date
    /** Trace ids as exemplars (tracing on): served as OpenMetrics, which alone carries them. */
    exemplars?: boolean
    /** `cdn.cloudfront[].monthlyPathBudget`, by distribution id. */
    pathBudgets?: Record<string, number>
  } = {},
) {
  const registry = new Registry()
  const exemplars = options.exemplars === true
  // (typed as the text format's registry: the other metric files take that type)
  if (exemplars)
    (registry as unknown as Registry<RegistryContentType>).setContentType(
      Registry.OPENMETRICS_CONTENT_TYPE,
    )
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'freshet_process_' })
  const registers = [registry]
  const received = new Counter({
    name: 'freshet_events_received_total',
    help: 'Webhooks accepted (2xx), by source; duplicates are redeliveries answered with the first id.',
    labelNames: ['source', 'duplicate'],
    registers,
  })
  const finished = new Counter({
    name: 'freshet_events_total',
    help: 'Events that reached a final status, by source and status (completed or failed).',
    labelNames: ['source', 'status'],
    registers,
  })
  const eventDuration = new Histogram({
    name: 'freshet_event_duration_seconds',
    help: 'Time from an event’s webhook to its final status (completed or failed), by source and status.',
    labelNames: ['source', 'status'],
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers,
    enableExemplars: exemplars,
  })
  const ignored = new Counter({
    name: 'freshet_events_ignored_total',
    help: 'Webhooks answered 200 ignored (drafts, saves), by source.',
    labelNames: ['source'],
    registers,
  })
  const stages = new Histogram({
    name: 'freshet_stage_duration_seconds',
    help: 'Time one successful run of a stage took, by stage (planning, pods, cdn, tracking).',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
    enableExemplars: exemplars,
  })
  const deliveries = new Counter({
    name: 'freshet_pod_deliveries_total',
    help: 'Pod revalidations by outcome (confirmed, failed, dropped).',
    labelNames: ['outcome'],
    registers,
  })
  const cdnCalls = new Counter({
    name: 'freshet_cloudfront_calls_total',
    help: 'CloudFront API attempts (each retry of the SDK counts) by distribution, operation and outcome (ok or the error code, e.g. Throttling).',
    labelNames: ['distribution', 'operation', 'outcome'],
    registers,
  })
  const billed = new Counter({
    name: 'freshet_cloudfront_paths_billed_total',
    help: 'Paths (a wildcard or #tag counts one) in the invalidations freshet created, by distribution. CloudFront bills each past 1,000 a month.',
    labelNames: ['distribution'],
    registers,
  })
  const widened = new Counter({
    name: 'freshet_cdn_widened_batches_total',
    help: 'Batches whose paths were widened into wildcards to fit cdn.<target>.maxDelaySeconds, by distribution.',
    labelNames: ['distribution'],
    registers,
  })
  const failures = new Counter({
    name: 'freshet_batches_failed_total',
    help: 'Batches that failed (retries exhausted or a permanent error), by the stage they failed at. Each batch counts once: a batch retried by hand that fails again is not counted again.',
    labelNames: ['stage'],
    registers,
  })
  const retries = new Counter({
    name: 'freshet_stage_retries_total',
    help: 'Stage runs that failed and will be retried, by stage.',
    labelNames: ['stage'],
    registers,
  })
  // Every stage a batch can fail at starts at 0, so `increase()` sees the first failure.
  for (const stage of STAGE_NAMES) failures.inc({ stage }, 0)
  deliveries.inc({ outcome: 'failed' }, 0)

  lifecycle.on('event:received', (e) =>
    received.inc({ source: e.source, duplicate: String(e.duplicate) }),
  )
  lifecycle.on('event:ignored', (e) => ignored.inc({ source: e.source }))
  lifecycle.on('events:finished', (e) => {
    for (const [source, count] of Object.entries(e.sources))
      finished.inc({ source, status: e.status }, count)
    for (const [source, times] of Object.entries(e.ms))
      for (const ms of times)
        observe(eventDuration, { source, status: e.status }, ms / 1000, e.traceId)
  })
  lifecycle.on('stage:ended', (e) => observe(stages, { stage: e.stage }, e.ms / 1000, e.traceId))
  lifecycle.on('stage:retrying', (e) => retries.inc({ stage: e.stage }))
  lifecycle.on('pod:delivered', (e) => deliveries.inc({ outcome: e.status }))
  lifecycle.on('cdn:call', (e) =>
    cdnCalls.inc({ distribution: e.distributionId, operation: e.operation, outcome: e.outcome }),
  )
  lifecycle.on('cdn:billed', (e) => billed.inc({ distribution: e.distributionId }, e.paths))
  lifecycle.on('cdn:widened', (e) => widened.inc({ distribution: e.distributionId }))
  lifecycle.on('batch:failed', (e) => {
    if (e.first) failures.inc({ stage: e.stage })
  })
  function observe<T extends string>(
    histogram: Histogram<T>,
    labels: Partial<Record<T, string>>,
    value: number,
    traceId: string | undefined,
  ) {
    if (exemplars && traceId)
      histogram.observe({ labels, value, exemplarLabels: { trace_id: traceId } as LabelValues<T> })
    else histogram.observe(labels, value)
  }
  if (options.db)
    observeStore(registry, options.db, options.now ?? (() => new Date()), options.pathBudgets)

  return { contentType: registry.contentType, render: () => registry.metrics(), registry }
}
