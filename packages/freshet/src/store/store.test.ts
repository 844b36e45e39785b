import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  advanceBatch,
  claimIntoBatch,
  failBatch,
  getBatch,
  getBatchState,
  reopenBatch,
  savePlan,
  waitingSummary,
} from './batches.ts'
import type { Db } from './db.ts'
import { getEvent, insertEvents, listEvents, type NewEvent } from './events.ts'
import { migrate, pendingMigrations } from './migrations.ts'
import { testStores } from './test-stores.ts'

const stores = await testStores()

const event = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  source: 'generic',
  receivedAt: new Date(),
  bodyDigest: 'sha256:abc',
  changes: [{ kind: 'purge', source: 'generic', paths: ['/a'], tags: [] }],
  ...overrides,
})

describe.each(stores)('store on $name', (store) => {
  let db: Db
  afterEach(async () => db?.close())

  const fresh = async () => {
    db = (await store.open()).db
    await migrate(db)
    return db
  }

  it('migrates once, and again is a no-op', async () => {
    await fresh()
    expect(await pendingMigrations(db)).toBe(0)
    expect(await migrate(db)).toBe(0)
  })

  it('runs a named statement again with each call’s values, in and out of transactions', async () => {
    await fresh()
    const named = (tx: Db, value: number) =>
      tx.query<{ n: number }>('SELECT $1::int + 1 AS n', [value], { name: 'test_add_one' })
    // A small pool hands out its connections in turn: each prepares the statement once.
    for (const value of [1, 2, 3, 4]) expect(await named(db, value)).toEqual([{ n: value + 1 }])
    expect(await db.transaction((tx) => named(tx, 41))).toEqual([{ n: 42 }])
  })

  it('inserts many events in one statement and reads them back', async () => {
    await fresh()
    const events = Array.from({ length: 50 }, (_, i) =>
      event({ receivedAt: new Date(Date.now() + i) }),
    )
    const accepted = await insertEvents(db, events)
    expect(accepted.every((a) => !a.duplicate)).toBe(true)
    const row = await getEvent(db, events[3]?.id ?? '')
    expect(row?.status).toBe('received')
    expect(row?.changes).toEqual(events[3]?.changes)
    const page = await listEvents(db, { limit: 10 })
    expect(page.map((e) => e.id)).toEqual(
      events
        .slice(-10)
        .reverse()
        .map((e) => e.id),
    )
  })

  it('answers a redelivery with the first event id', async () => {
    await fresh()
    const [first] = await insertEvents(db, [event({ deliveryKey: 'k1' })])
    const again = await insertEvents(db, [
      event({ deliveryKey: 'k1' }),
      event({ deliveryKey: 'k1' }),
    ])
    expect(again.map((a) => a.id)).toEqual([first?.id, first?.id])
    expect(again.every((a) => a.duplicate)).toBe(true)
  })

  it('claims due events into a batch, leaving scheduled ones', async () => {
    await fresh()
    const now = Date.now()
    const at = (ms: number) => new Date(now + ms)
    const later = at(60_000)
    await insertEvents(db, [
      event({ receivedAt: at(-3_000) }),
      event({ receivedAt: at(-1_000) }),
      // Sent an hour ago for a moment that came 2 s ago: it became due 2 s ago.
      event({ receivedAt: at(-3_600_000), notBefore: at(-2_000) }),
      event({ receivedAt: at(-4_000), notBefore: later }),
    ])
    const summary = await waitingSummary(db, at(0))
    expect(summary.oldest?.getTime()).toBe(now - 3_000)
    expect(summary.newest?.getTime()).toBe(now - 1_000)
    expect(summary.nextDue?.getTime()).toBe(later.getTime())
    const claimed = await db.transaction((tx) => claimIntoBatch(tx, 'b1', at(0), 100, 'planning'))
    expect(claimed).toHaveLength(3)
    const after = await waitingSummary(db, at(0))
    expect(after.oldest).toBeNull()
    expect(after.newest).toBeNull()
    expect(after.nextDue?.getTime()).toBe(later.getTime())
    expect((await waitingSummary(db, at(61_000))).oldest?.getTime()).toBe(later.getTime())
  })

  it('moves a batch through its stages, fails it and reopens it', async () => {
    await fresh()
    const [e] = await insertEvents(db, [event()])
    await claimIntoBatch(db, 'b2', new Date(), 10, 'planning')
    await advanceBatch(db, 'b2', 'planning', 'cdn', new Date(), { pods: 'no pods configured' })
    expect((await getBatch(db, 'b2'))?.stages.pods?.skipped).toBe('no pods configured')
    expect((await getBatch(db, 'b2'))?.stages.cdn?.startedAt).toBeTypeOf('string')
    expect(await failBatch(db, 'b2', 'cdn', 'boom', new Date())).toEqual({ first: true })
    expect((await getEvent(db, e?.id ?? ''))?.status).toBe('failed')
    // Failing a failed batch again changes nothing and announces nothing.
    expect(await failBatch(db, 'b2', 'cdn', 'again', new Date())).toBeUndefined()
    expect(await reopenBatch(db, 'b2')).toBe('cdn')
    expect((await getEvent(db, e?.id ?? ''))?.status).toBe('cdn')
    // Retried by hand and failed again: not the batch's first failure.
    expect(await failBatch(db, 'b2', 'cdn', 'boom', new Date())).toEqual({ first: false })
    expect(await reopenBatch(db, 'b2')).toBe('cdn')
    await advanceBatch(db, 'b2', 'cdn', 'completed', new Date())
    const done = await getEvent(db, e?.id ?? '')
    expect(done?.status).toBe('completed')
    expect(done?.finished_at).toBeInstanceOf(Date)
  })

  it('reads a batch’s state without its plan, and the whole batch with it', async () => {
    await fresh()
    await insertEvents(db, [event()])
    await claimIntoBatch(db, 'b3', new Date(), 10, 'planning')
    const plan = { paths: [{ value: '/a', reasons: [] }], tags: [], notes: [] }
    await savePlan(db, 'b3', plan)
    const { plan: saved, ...state } = (await getBatch(db, 'b3')) ?? { plan: undefined }
    expect(saved).toEqual(plan)
    expect(await getBatchState(db, 'b3')).toEqual(state)
    expect(await getBatchState(db, 'b3')).not.toHaveProperty('plan')
    expect(await getBatchState(db, 'missing')).toBeUndefined()
  })
})
