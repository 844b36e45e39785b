import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import type { Lifecycle } from '../pipeline/lifecycle.ts'

/** Prometheus metrics, fed by the pipeline's lifecycle events. */
export function createMetrics(lifecycle: Lifecycle, options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'freshet_process_' })
  const received = new Counter({
    name: 'freshet_events_received_total',
    help: 'Webhooks accepted (2xx), by source; duplicates are redeliveries answered with the first id.',
    labelNames: ['source', 'duplicate'],
    registers: [registry],
  })
  const finished = new Counter({
    name: 'freshet_events_total',
    help: 'Events that reached a final status, by source and status (completed or failed).',
    labelNames: ['source', 'status'],
    registers: [registry],
  })
  const ignored = new Counter({
    name: 'freshet_events_ignored_total',
    help: 'Webhooks answered 200 ignored (drafts, saves), by source.',
    labelNames: ['source'],
    registers: [registry],
  })
  const stages = new Histogram({
    name: 'freshet_stage_duration_seconds',
    help: 'Time one run of a stage took.',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'freshet_pod_deliveries_total',
    help: 'Pod revalidations by outcome (confirmed, failed, dropped).',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const cdnCalls = new Counter({
    name: 'freshet_cloudfront_calls_total',
    help: 'CloudFront API calls by operation and outcome (ok or the error code).',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  })
  const billed = new Counter({
    name: 'freshet_cloudfront_paths_billed_total',
    help: 'Paths (a wildcard or #tag counts one) in the invalidations freshet created, by distribution. CloudFront bills each past 1,000 a month.',
    labelNames: ['distribution'],
    registers: [registry],
  })
  const failures = new Counter({
    name: 'freshet_batches_failed_total',
    help: 'Batches that failed (retries exhausted or a permanent error), by stage. Retry by hand.',
    labelNames: ['stage'],
    registers: [registry],
  })
  const retries = new Counter({
    name: 'freshet_stage_retries_total',
    help: 'Stage attempts that failed and will be retried, by stage.',
    labelNames: ['stage'],
    registers: [registry],
  })

  lifecycle.on('event:received', (e) =>
    received.inc({ source: e.source, duplicate: String(e.duplicate) }),
  )
  lifecycle.on('event:ignored', (e) => ignored.inc({ source: e.source }))
  lifecycle.on('events:finished', (e) => {
    for (const [source, count] of Object.entries(e.sources))
      finished.inc({ source, status: e.status }, count)
  })
  lifecycle.on('stage:ended', (e) => stages.observe({ stage: e.stage }, e.ms / 1000))
  lifecycle.on('stage:retrying', (e) => retries.inc({ stage: e.stage }))
  lifecycle.on('pod:delivered', (e) => deliveries.inc({ outcome: e.status }))
  lifecycle.on('cdn:call', (e) => cdnCalls.inc({ operation: e.operation, outcome: e.outcome }))
  lifecycle.on('cdn:billed', (e) => billed.inc({ distribution: e.distributionId }, e.paths))
  lifecycle.on('batch:failed', (e) => failures.inc({ stage: e.stage }))

  return { contentType: registry.contentType, render: () => registry.metrics(), registry }
}
