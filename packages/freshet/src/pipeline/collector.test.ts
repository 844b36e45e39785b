import { randomUUID } from 'node:crypto'
import type { PgBoss } from 'pg-boss'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../store/db.ts'
import { insertEvents } from '../store/events.ts'
import { testStores } from '../store/test-stores.ts'
import { type Collector, startCollector } from './collector.ts'
import type { PipelineContext } from './context.ts'
import { createLifecycle } from './lifecycle.ts'
import { createQueues } from './runtime.ts'
import { stage } from './stages.ts'
import { openStoreWithBoss } from './test-boss.ts'

const event = (notBefore?: Date) => ({
  id: randomUUID(),
  source: 'generic',
  receivedAt: new Date(),
  bodyDigest: 'digest',
  changes: [{ kind: 'purge' as const, source: 'generic', paths: ['/'], tags: [] }],
  notBefore,
})

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.each(await testStores())('collector on $name', (store) => {
  let db: Db
  let boss: PgBoss
  let collector: Collector | undefined
  beforeAll(async () => {
    ;({ db, boss } = await openStoreWithBoss(store))
    await createQueues(boss, { planning: 1, pods: 1 })
  })
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: false })
    await db?.close()
  })
  afterEach(async () => {
    await collector?.stop()
    await db.query('DELETE FROM events')
    await db.query('DELETE FROM batches')
  })

  function start(windowMs: number, onLook?: () => void, storeDb: Db = db) {
    const batches: Array<{ batchId: string; events: number }> = []
    const woken: string[] = []
    const lifecycle = createLifecycle()
    lifecycle.on('batch:created', (e) => batches.push(e))
    const ctx = {
      db: storeDb,
      boss,
      lifecycle,
      now: () => new Date(),
      wake: (queue: string) => woken.push(queue),
      coalesce: { windowMs, maxWaitMs: windowMs * 10, maxBatchEvents: 100 },
    } as unknown as PipelineContext
    collector = startCollector(ctx, onLook)
    return { batches, woken }
  }

  const statuses = () =>
    db.query<{ id: string; status: string; batch_id: string | null }>(
      'SELECT id, status, batch_id FROM events',
    )

  it.each([0, 50])(
    'batches what is due with a plan job, and a scheduled event only once due (window %i ms)',
    async (windowMs) => {
      const [now1, now2] = [event(), event()]
      const later = event(new Date(Date.now() + 600))
      await insertEvents(db, [now1, now2, later])
      const { batches, woken } = start(windowMs)

      const first = await until(async () => batches[0])
      expect(first.events).toBe(2)
      expect(woken).toContain(stage('planning').queue)
      const rows = await statuses()
      expect(rows.find((r) => r.id === later.id)?.status).toBe('scheduled')
      expect(rows.filter((r) => r.batch_id === first.batchId)).toHaveLength(2)
      const [batch] = await db.query<{ status: string }>(
        'SELECT status FROM batches WHERE id = $1',
        [first.batchId],
      )
      expect(batch?.status).toBe('planning')

      const second = await until(async () => batches[1])
      expect(second.events).toBe(1)
      const batched = (await statuses()).find((r) => r.id === later.id)
      expect(batched).toMatchObject({ status: 'batched', batch_id: second.batchId })
      const jobs = await boss.fetch<{ batchId: string }>(stage('planning').queue, { batchSize: 10 })
      expect(jobs.map((job) => job.data.batchId).sort()).toEqual(
        [first.batchId, second.batchId].sort(),
      )
      // A look that finds nothing writes nothing: no empty batch is left behind.
      const [count] = await db.query<{ n: string }>('SELECT count(*) AS n FROM batches')
      expect(Number(count?.n)).toBe(2)
    },
  )

  it('calls onLook as each look starts, before the look reads anything', async () => {
    const order: string[] = []
    const recorded: Db = {
      ...db,
      kind: db.kind,
      boss: db.boss,
      query: (text, values) => {
        order.push('read')
        return db.query(text, values)
      },
      transaction: (fn) => {
        order.push('read')
        return db.transaction(fn)
      },
    }
    const { batches } = start(0, () => order.push('look'), recorded)
    await until(async () => (order.includes('read') ? true : undefined))
    expect(order[0]).toBe('look')
    await insertEvents(db, [event()])
    const looksBefore = order.filter((step) => step === 'look').length
    collector?.poke()
    await until(async () => batches[0])
    expect(order.filter((step) => step === 'look').length).toBeGreaterThan(looksBefore)
    // Every run of statements follows the look that made it.
    expect(order.join(' ')).toMatch(/^look( read)+( look( read)+)*$/)
  })
})
