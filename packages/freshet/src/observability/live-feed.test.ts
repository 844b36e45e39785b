import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createLifecycle, type Lifecycle } from '../pipeline/lifecycle.ts'
import type { Db } from '../store/db.ts'
import { liveChannel } from '../store/live.ts'
import { openPglite } from '../store/pglite.ts'
import { openPostgres } from '../store/postgres.ts'
import { dropSchemas, postgresUrl, testPostgres, uniqueSchema } from '../store/test-stores.ts'
import {
  type LiveFeed,
  type LiveFeedOptions,
  type LiveMessage,
  startLiveFeed,
} from './live-feed.ts'

const reachable = (await testPostgres('the live view across replicas')) !== undefined

/** Ahead of now: a retry whose next try is long past counts as stale. */
const NEXT_AT = new Date(Date.now() + 600_000).toISOString()
const retrying = (batchId: string, attempt = 1, error = 'connect ECONNREFUSED') => ({
  batchId,
  podId: 'web-1',
  url: 'http://10.0.0.1:3000',
  attempt,
  of: 3,
  error,
  nextAt: NEXT_AT,
  at: NEXT_AT,
  log: [{ at: NEXT_AT, ms: 5, ok: false, error: 'HTTP 500' }],
})

/** A replica as far as the live view goes: its own lifecycle and store connection, one feed. */
interface Replica {
  lifecycle: Lifecycle
  db: Db
  feed: LiveFeed
  seen: LiveMessage[]
}

const opened: Replica[] = []
const schemas: string[] = []
afterAll(async () => {
  for (const replica of opened) {
    await replica.feed.close()
    await replica.db.close()
  }
  for (const schema of schemas) await dropSchemas(postgresUrl, schema)
})

async function replica(schema: string, options?: LiveFeedOptions): Promise<Replica> {
  const lifecycle = createLifecycle()
  const db = await openPostgres(postgresUrl, schema, 2)
  const feed = await startLiveFeed(lifecycle, db, options)
  const seen: LiveMessage[] = []
  feed.subscribe((message) => seen.push(message))
  const made = { lifecycle, db, feed, seen }
  opened.push(made)
  return made
}

const fresh = () => {
  const schema = uniqueSchema()
  schemas.push(schema)
  return schema
}
const batchesOf = (seen: LiveMessage[], event: string) =>
  seen.flatMap((m) =>
    m.event === event && 'data' in m ? [(m.data as { batchId: string }).batchId] : [],
  )

describe.runIf(reachable)('the live view across replicas (PostgreSQL NOTIFY)', () => {
  it("shows on one replica the pod retries another is making, once each, and not another store's", async () => {
    const schema = fresh()
    const [a, b, elsewhere] = [await replica(schema), await replica(schema), await replica(fresh())]
    b.lifecycle.emit('pod:retrying', retrying('b1'))
    b.lifecycle.emit('stage:ended', { batchId: 'b1', stage: 'pods', ms: 12 })
    await expect.poll(() => a.seen.length).toBe(2)
    // A page opening on A now is shown B's retry at once.
    expect(a.feed.retrying()).toEqual([{ event: 'pod:retrying', data: retrying('b1') }])
    expect(a.seen).toEqual([
      { event: 'pod:retrying', data: retrying('b1') },
      { event: 'stage:ended', data: { batchId: 'b1', stage: 'pods', ms: 12 } },
    ])
    a.lifecycle.emit('pod:delivered', {
      batchId: 'a1',
      podId: 'web-0',
      status: 'confirmed',
      attempts: 1,
      ms: 4,
    })
    await expect.poll(() => batchesOf(b.seen, 'pod:delivered')).toEqual(['a1'])
    // Each replica's own events reach its pages once: not again through the channel.
    expect(batchesOf(b.seen, 'pod:retrying')).toEqual(['b1'])
    expect(batchesOf(a.seen, 'pod:delivered')).toEqual(['a1'])
    expect(elsewhere.seen).toEqual([])
  })

  it('carries a burst in order and cuts a long error to fit a NOTIFY', async () => {
    const schema = fresh()
    const [a, b] = [await replica(schema), await replica(schema)]
    for (let i = 0; i < 2000; i++) b.lifecycle.emit('pod:retrying', retrying(`burst-${i}`))
    b.lifecycle.emit('pod:retrying', retrying('long', 2, 'x'.repeat(20_000)))
    await expect.poll(() => a.seen.length, { timeout: 15_000 }).toBe(2001)
    expect(batchesOf(a.seen, 'pod:retrying').slice(0, 3)).toEqual(['burst-0', 'burst-1', 'burst-2'])
    const long = a.seen.at(-1) as { data: { error: string } }
    expect(long.data.error.length).toBeLessThan(1100)
    expect(long.data.error.startsWith('xxxx')).toBe(true)
    expect(a.seen.some((m) => m.event === 'gap')).toBe(false)
  })

  it('tells the other replicas to read afresh when more waits than it sends', async () => {
    const schema = fresh()
    const a = await replica(schema)
    const b = await replica(schema, { maxQueued: 10, flushMs: 500 })
    for (let i = 0; i < 50; i++)
      b.lifecycle.emit('stage:started', { batchId: `s${i}`, stage: 'plan' })
    await expect.poll(() => a.seen.some((m) => m.event === 'gap')).toBe(true)
  })

  it('listens again after the server drops its session, and says what it missed is a gap', async () => {
    const schema = fresh()
    const [a, b] = [await replica(schema), await replica(schema)]
    const channel = await liveChannel(a.db)
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    try {
      // Both replicas' sessions listen on the channel: drop them all, as a failover would.
      const dropped = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'freshet-live' AND query = $1`,
        [`LISTEN "${channel}"`],
      )
      expect(dropped.rowCount).toBe(2)
    } finally {
      await admin.end()
    }
    await expect.poll(() => a.seen.filter((m) => m.event === 'gap').length).toBe(1)
    b.lifecycle.emit('batch:completed', { batchId: 'after', events: 1, ms: 30 })
    await expect.poll(() => batchesOf(a.seen, 'batch:completed')).toEqual(['after'])
  })
})

describe('the live view on the embedded store', () => {
  it("is the process's own events, at once", async () => {
    const lifecycle = createLifecycle()
    const db = await openPglite()
    const feed = await startLiveFeed(lifecycle, db)
    const seen: LiveMessage[] = []
    feed.subscribe((message) => seen.push(message))
    lifecycle.emit('pod:retrying', retrying('p1'))
    lifecycle.emit('pods:confirmed', { batchId: 'p1', pods: 3 })
    expect(seen).toEqual([{ event: 'pod:retrying', data: retrying('p1') }])
    await feed.close()
    await db.close()
  })
})
