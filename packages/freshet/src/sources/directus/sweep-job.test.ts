import { randomUUID } from 'node:crypto'
import { createDirectusEmulator, type DirectusEmulator } from '@freshet/emulators/directus'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { publishDeliveryKey } from '../../core/schedule.ts'
import { createLifecycle } from '../../pipeline/lifecycle.ts'
import { createBoss } from '../../pipeline/runtime.ts'
import type { Db } from '../../store/db.ts'
import { insertEvents, type NewEvent } from '../../store/events.ts'
import { migrate } from '../../store/migrations.ts'
import { testStores } from '../../store/test-stores.ts'
import { type SweepDeps, startSweeper, sweepOnce } from './sweep-job.ts'

const TOKEN = 'directus-static-token'
const T0 = Date.parse('2026-11-23T12:00:00.000Z')
const at = (seconds: number) => new Date(T0 + seconds * 1000)
const rules = [{ collection: 'articles', field: 'date_published', idField: 'id' }]
const stores = await testStores()

let emulator: DirectusEmulator
let url: string
beforeAll(async () => {
  emulator = createDirectusEmulator({ token: TOKEN })
  url = await emulator.listen()
})
afterAll(async () => emulator?.close())

async function rowsOf(db: Db) {
  return db.query<{ id: string; delivery_key: string | null; changes: { id: string }[] }>(
    'SELECT id, delivery_key, changes FROM events ORDER BY received_at, id',
  )
}

describe.each(stores)('sweep on $name', (store) => {
  let db: Db
  let opened: { schema: string; url?: string }
  let clock = T0
  // One store per file (PGlite takes seconds to open on a busy machine), emptied per test.
  beforeAll(async () => {
    const store$ = await store.open()
    opened = store$
    db = store$.db
    await migrate(db)
  })
  afterAll(async () => db?.close())

  async function deps(): Promise<SweepDeps> {
    await db.exec('TRUNCATE events; TRUNCATE sweep_watermarks')
    emulator.graph.collections.clear()
    return {
      db,
      boss: undefined as never,
      lifecycle: createLifecycle(),
      now: () => new Date(clock),
      accept: async (event) => (await insertEvents(db, [event]))[0] as never,
      directus: { url, token: TOKEN },
      rules,
      intervalSeconds: 60,
      overlapSeconds: 120,
    }
  }
  const article = (id: number, seconds: number) =>
    emulator.graph.set('articles', {
      id,
      title: `a${id}`,
      date_published: at(seconds).toISOString(),
    })

  it('accepts an item once its publish date passes, and only once over overlapping sweeps', async () => {
    const d = await deps()
    clock = T0
    article(1, -3600) // long live: before the first window
    article(2, 30) // goes live during the test
    const first = await sweepOnce(d)
    expect(first).toMatchObject({ found: 0, accepted: [] })
    clock = T0 + 60_000
    const second = await sweepOnce(d)
    expect(second.since).toEqual(at(-120)) // the watermark, less the overlap
    expect(second).toMatchObject({ found: 1, accepted: [expect.any(String)] })
    clock = T0 + 90_000
    expect(await sweepOnce(d)).toMatchObject({ found: 1, accepted: [] })
    const rows = await rowsOf(db)
    expect(rows).toHaveLength(1)
    expect(rows[0]?.delivery_key).toBe(publishDeliveryKey('articles', '2', at(30)))
  })

  it('never re-invalidates what a webhook handled: received after going live, or scheduled for it', async () => {
    const d = await deps()
    clock = T0 + 60_000
    article(3, 10) // a webhook (dateless Flow update) came after it went live
    article(4, 20) // a webhook scheduled the purge for its date, long before
    article(5, 40) // nobody told freshet
    const event = (id: string, extra: Partial<NewEvent>): NewEvent => ({
      id: randomUUID(),
      source: 'directus',
      receivedAt: at(-600),
      bodyDigest: 'sha256:x',
      changes: [{ kind: 'item', source: 'directus', collection: 'articles', id, action: 'update' }],
      ...extra,
    })
    await insertEvents(db, [
      event('3', { receivedAt: at(12) }),
      event('4', { notBefore: at(20), deliveryKey: 'some-other-key' }),
      event('5', { receivedAt: at(39) }), // before its publish moment: does not count
    ])
    const result = await sweepOnce(d)
    expect(result.found).toBe(3)
    expect(result.accepted).toHaveLength(1)
    const rows = await rowsOf(db)
    expect(rows.filter((r) => r.id === result.accepted[0])[0]?.changes[0]?.id).toBe('5')
  })

  it('runs as a repeating job: an item going live a moment from now is accepted', async () => {
    const d = await deps()
    const boss = createBoss(db, opened)
    await boss.start()
    const real = { ...d, boss, now: () => new Date(), intervalSeconds: 1, overlapSeconds: 5 }
    emulator.graph.set('articles', {
      id: 9,
      date_published: new Date(Date.now() + 1500).toISOString(),
    })
    const sweeper = await startSweeper(real)
    try {
      const until = Date.now() + 15_000
      let rows = await rowsOf(db)
      while (rows.length === 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100))
        rows = await rowsOf(db)
      }
      expect(rows.map((r) => r.changes[0]?.id)).toEqual(['9'])
      // Later sweeps find it again (overlap) and take nothing.
      await sweeper.runOnce()
      expect(await rowsOf(db)).toHaveLength(1)
    } finally {
      await sweeper.stop()
      await boss.stop({ graceful: true, timeout: 2000, close: db.kind !== 'pglite' })
    }
  })
})
