import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { advanceBatch, claimIntoBatch, getBatch, savePlan } from './batches.ts'
import type { Db } from './db.ts'
import { insertEvents } from './events.ts'
import { recordInvalidation } from './invalidations.ts'
import { migrate } from './migrations.ts'
import { testStores } from './test-stores.ts'
import { recordWidening, waitingAhead } from './widening.ts'

const stores = await testStores()
const at = (ms: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, 0) + ms)
const DIST = 'E2WIDEN'

/** A batch of one event with `paths`, planned and entered into the cdn stage at `ms`. */
async function batchAtCdn(db: Db, id: string, paths: string[], ms: number) {
  await insertEvents(db, [
    {
      id: randomUUID(),
      source: 'generic',
      receivedAt: at(ms),
      bodyDigest: 'sha256:x',
      changes: [{ kind: 'purge', source: 'generic', paths, tags: [] }],
    },
  ])
  await claimIntoBatch(db, id, at(ms), 10, 'planning')
  const entries = (values: string[]) => values.map((value) => ({ value, reasons: [] }))
  await savePlan(db, id, { paths: entries(paths), tags: entries(['t']), notes: [] })
  await advanceBatch(db, id, 'planning', 'cdn', at(ms))
}

describe.each(stores)('widening in the store, on $name', (store) => {
  let db: Db
  afterEach(async () => db?.close())

  it('lists the batches ahead in the cdn stage with what they still have to send', async () => {
    db = (await store.open()).db
    await migrate(db)
    await batchAtCdn(db, 'b1', ['/a/1', '/a/2', '/a/3'], 0)
    await batchAtCdn(db, 'b2', ['/b/1', '/b/2'], 1000)
    await batchAtCdn(db, 'b3', ['/c/1'], 2000)
    await recordWidening(db, 'b2', DIST, {
      items: ['/b/*'],
      notes: [{ level: 'info', message: 'widened' }],
    })
    await recordInvalidation(db, 'b1', {
      distributionId: DIST,
      chunk: 0,
      callerReference: 'r',
      invalidationId: 'I1',
      status: 'InProgress',
      items: 2,
    })
    const ahead = await waitingAhead(db, 'b3', DIST)
    expect(ahead).toHaveLength(2)
    expect(ahead).toContainEqual({ widened: null, planned: 4, submitted: 2 })
    expect(ahead).toContainEqual({ widened: ['/b/*'], planned: 3, submitted: 0 })
    // b2 entered before b3: b3 is not ahead of it.
    expect(await waitingAhead(db, 'b2', DIST)).toEqual([
      { widened: null, planned: 4, submitted: 2 },
    ])
  })

  it('keeps the decision per distribution and adds its notes to the plan', async () => {
    db = (await store.open()).db
    await migrate(db)
    await batchAtCdn(db, 'b1', ['/a/1'], 0)
    await recordWidening(db, 'b1', DIST, {
      items: ['/a/*'],
      notes: [{ level: 'warn', message: 'why' }],
    })
    await recordWidening(db, 'b1', 'E2OTHER', { notes: [] })
    const batch = await getBatch(db, 'b1')
    expect(batch?.stages.cdn?.widen).toEqual({ [DIST]: { items: ['/a/*'] }, E2OTHER: {} })
    expect(batch?.stages.cdn?.startedAt).toBe(at(0).toISOString())
    expect(batch?.plan?.notes).toEqual([{ level: 'warn', message: 'why' }])
  })
})
