import { describe, expect, it } from 'vitest'
import { createLifecycle } from '../pipeline/lifecycle.ts'
import { createMetrics } from './metrics.ts'

describe('metrics', () => {
  it('counts the events of a finished batch by source and status, from one announcement', async () => {
    const lifecycle = createLifecycle()
    const metrics = createMetrics(lifecycle, { defaultMetrics: false })
    lifecycle.emit('events:finished', {
      batchId: 'b1',
      status: 'completed',
      ids: ['e1', 'e2', 'e3'],
      sources: { generic: 2, directus: 1 },
      ms: { generic: [1200, 800], directus: [30_000] },
    })
    lifecycle.emit('events:finished', {
      batchId: 'b2',
      status: 'failed',
      ids: ['e4'],
      sources: { generic: 1 },
      ms: { generic: [90_000] },
    })
    const text = await metrics.render()
    expect(text).toContain('freshet_events_total{source="generic",status="completed"} 2')
    expect(text).toContain('freshet_events_total{source="directus",status="completed"} 1')
    expect(text).toContain('freshet_events_total{source="generic",status="failed"} 1')
    // Webhook → final status, in seconds: 0.8 and 1.2 s fall in le="2.5", 30 s does not.
    expect(text).toContain(
      'freshet_event_duration_seconds_bucket{le="2.5",source="generic",status="completed"} 2',
    )
    expect(text).toContain(
      'freshet_event_duration_seconds_bucket{le="20",source="directus",status="completed"} 0',
    )
    expect(text).toContain(
      'freshet_event_duration_seconds_sum{source="directus",status="completed"} 30',
    )
  })

  it('carries trace ids as exemplars when tracing is on, served as OpenMetrics', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const lifecycle = createLifecycle()
    const metrics = createMetrics(lifecycle, { defaultMetrics: false, exemplars: true })
    lifecycle.emit('stage:ended', { batchId: 'b1', stage: 'pods', ms: 40, traceId })
    lifecycle.emit('events:finished', {
      batchId: 'b1',
      status: 'completed',
      ids: ['e1'],
      sources: { generic: 1 },
      ms: { generic: [1200] },
      traceId,
    })
    expect(metrics.contentType).toContain('application/openmetrics-text')
    const text = await metrics.render()
    expect(text).toMatch(
      new RegExp(
        `freshet_stage_duration_seconds_bucket\\{le="0.05",stage="pods"\\} 1 # \\{trace_id="${traceId}"\\} 0.04`,
      ),
    )
    expect(text).toMatch(
      new RegExp(
        `freshet_event_duration_seconds_bucket\\{le="2.5",source="generic",status="completed"\\} 1 # \\{trace_id="${traceId}"\\} 1.2`,
      ),
    )
    // Tracing off: the Prometheus text format, no exemplars.
    const plain = createMetrics(lifecycle, { defaultMetrics: false })
    lifecycle.emit('stage:ended', { batchId: 'b2', stage: 'pods', ms: 40, traceId })
    expect(plain.contentType).toContain('text/plain')
    expect(await plain.render()).not.toContain('trace_id')
  })

  it('counts a failed batch once, however often it is retried by hand and fails again', async () => {
    const lifecycle = createLifecycle()
    const metrics = createMetrics(lifecycle, { defaultMetrics: false })
    // Every stage starts at 0, so Prometheus's increase() sees the first failure.
    expect(await metrics.render()).toContain('freshet_batches_failed_total{stage="pods"} 0')
    lifecycle.emit('batch:failed', { batchId: 'b1', stage: 'pods', error: 'x', first: true })
    lifecycle.emit('batch:failed', { batchId: 'b1', stage: 'pods', error: 'x', first: false })
    lifecycle.emit('batch:failed', { batchId: 'b1', stage: 'pods', error: 'x', first: false })
    const text = await metrics.render()
    expect(text).toContain('freshet_batches_failed_total{stage="pods"} 1')
    expect(text).toContain('freshet_batches_failed_total{stage="cdn"} 0')
  })
})
