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
    })
    lifecycle.emit('events:finished', {
      batchId: 'b2',
      status: 'failed',
      ids: ['e4'],
      sources: { generic: 1 },
    })
    const text = await metrics.render()
    expect(text).toContain('freshet_events_total{source="generic",status="completed"} 2')
    expect(text).toContain('freshet_events_total{source="directus",status="completed"} 1')
    expect(text).toContain('freshet_events_total{source="generic",status="failed"} 1')
  })
})
