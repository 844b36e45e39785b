import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics } from '../observability/metrics.ts'
import { createLifecycle } from '../pipeline/lifecycle.ts'
import { advanceBatch, claimIntoBatch } from './batches.ts'
import type { Db } from './db.ts'
import { insertEvents } from './events.ts'
import { recordInvalidation } from './invalidations.ts'
import { migrate } from './migrations.ts'
import { backlogAges } from './observed.ts'
import { testStores } from './test-stores.ts'

const stores = await testStores()
const at = (ms: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, 0) + ms)
const event = (receivedAt: Date) => ({
  id: randomUUID(),
  source: 'generic',
  receivedAt,
  bodyDigest: 'sha256:x',
  changes: [{ kind: 'purge' as const, source: 'generic', paths: ['/a'], tags: [] }],
})

describe.each(stores)('what /metrics reads from the store, on $name', (store) => {
  let db: Db
  afterEach(async () => db?.close())

  it('ages the oldest waiting and the oldest unfinished event; 0 when there is none', async () => {
    db = (await store.open()).db
    await migrate(db)
    expect(await backlogAges(db, at(0))).toEqual({ waitingSeconds: 0, unfinishedSeconds: 0 })
    await insertEvents(db, [event(at(0))])
    await claimIntoBatch(db, 'b1', at(1000), 10, 'planning')
    await insertEvents(db, [event(at(5000))])
    expect(await backlogAges(db, at(65_000))).toEqual({ waitingSeconds: 60, unfinishedSeconds: 65 })
    await advanceBatch(db, 'b1', 'planning', 'completed', at(2000))
    expect(await backlogAges(db, at(65_000))).toEqual({ waitingSeconds: 60, unfinishedSeconds: 60 })
  })

  it('exports the ages and the month’s CloudFront paths as gauges', async () => {
    db = (await store.open()).db
    await migrate(db)
    const start = Date.now()
    await insertEvents(db, [event(new Date(start - 30_000))])
    await recordInvalidation(db, 'b1', {
      distributionId: 'E2GAUGE',
      chunk: 0,
      callerReference: 'b1:0',
      invalidationId: 'I1',
      status: 'InProgress',
      items: 7,
    })
    const now = () => new Date(start)
    const metrics = createMetrics(createLifecycle(), {
      defaultMetrics: false,
      db,
      now,
      pathBudgets: { E2GAUGE: 5000 },
    })
    const text = await metrics.render()
    expect(text).toContain('freshet_backlog_oldest_event_age_seconds 30')
    expect(text).toContain('freshet_oldest_unfinished_event_age_seconds 30')
    expect(text).toContain('freshet_cloudfront_month_paths{distribution="E2GAUGE"} 7')
    expect(text).toContain('freshet_cloudfront_month_free_paths 1000')
    expect(text).toContain('freshet_cloudfront_month_path_budget{distribution="E2GAUGE"} 5000')
  })
})
