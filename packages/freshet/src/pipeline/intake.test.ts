import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContentChange } from '../core/domain.ts'
import type { Db } from '../store/db.ts'
import { getEvent, type NewEvent } from '../store/events.ts'
import { migrate } from '../store/migrations.ts'
import { openPglite } from '../store/pglite.ts'
import { createIntakeWriter } from './intake.ts'

const change: ContentChange = { kind: 'purge', source: 'generic', paths: ['/a'], tags: [] }
const event = (id: string, deliveryKey?: string): NewEvent => ({
  id,
  source: 'generic',
  receivedAt: new Date(),
  bodyDigest: `sha256:${id}`,
  deliveryKey,
  changes: [change],
})

/** The store, counting the INSERT statements that reach it. */
function counting(db: Db) {
  const inserts: number[] = []
  const counted: Db = {
    ...db,
    async query<T>(text: string, values?: unknown[]) {
      if (text.trimStart().startsWith('INSERT INTO events'))
        inserts.push(((values ?? [])[0] as unknown[]).length)
      return db.query<T>(text, values)
    },
  }
  return { db: counted, inserts }
}

describe('intake writer', () => {
  let db: Db
  // One store for the file (opening PGlite takes a while); every test uses its own ids.
  beforeAll(async () => {
    db = await openPglite()
    await migrate(db)
  })
  afterAll(async () => db?.close())

  it('writes concurrent requests together, even on a store that answers synchronously', async () => {
    const { db: counted, inserts } = counting(db)
    let commits = 0
    const writer = createIntakeWriter(counted, () => commits++)
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`)
    const accepted = await Promise.all(ids.map((id) => writer.write(event(id))))
    expect(accepted).toEqual(ids.map((id) => ({ id, duplicate: false })))
    expect(inserts).toEqual([50])
    // The collector is told on a later turn, once the answers are on their way.
    expect(commits).toBe(0)
    await new Promise((r) => setImmediate(r))
    expect(commits).toBe(1)
    expect((await getEvent(db, 'e49'))?.status).toBe('received')
  })

  it('writes what arrives during an insert in the next one, up to maxBatch per statement', async () => {
    const { db: counted, inserts } = counting(db)
    const writer = createIntakeWriter(counted, () => {}, { maxBatch: 20 })
    const first = Array.from({ length: 45 }, (_, i) => writer.write(event(`a${i}`)))
    await Promise.resolve()
    const second = writer.write(event('late'))
    await Promise.all([...first, second])
    expect(inserts).toEqual([20, 20, 6])
  })

  it('answers a redelivery with the first id, marked duplicate, within one batch too', async () => {
    const writer = createIntakeWriter(db, () => {})
    const [a, b] = await Promise.all([
      writer.write(event('first', 'key-1')),
      writer.write(event('second', 'key-1')),
    ])
    expect(a).toEqual({ id: 'first', duplicate: false })
    expect(b).toEqual({ id: 'first', duplicate: true })
    expect(await writer.write(event('third', 'key-1'))).toEqual({ id: 'first', duplicate: true })
  })

  it('rejects only the write the store refuses; the others in its insert are committed', async () => {
    const { db: counted, inserts } = counting(db)
    const writer = createIntakeWriter(counted, () => {})
    await writer.write(event('taken'))
    inserts.length = 0
    const fresh = Array.from({ length: 6 }, (_, i) => `fresh-${i}`)
    const results = await Promise.allSettled([
      ...fresh.slice(0, 3).map((id) => writer.write(event(id))),
      writer.write(event('taken')),
      ...fresh.slice(3).map((id) => writer.write(event(id))),
    ])
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ])
    for (const id of fresh) expect((await getEvent(db, id))?.status).toBe('received')
    // Halved down to the culprit, not row by row: 7 → 4 + 3 → 2 + 2 (+ 3) → 1 + 1.
    expect(inserts).toEqual([7, 4, 2, 2, 1, 1, 3])
    expect(await writer.write(event('after'))).toEqual({ id: 'after', duplicate: false })
  })

  it('drain waits for every pending write', async () => {
    const writer = createIntakeWriter(db, () => {})
    const pending = Array.from({ length: 10 }, (_, i) => writer.write(event(`d${i}`)))
    await writer.drain()
    const rows = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE id LIKE 'd%'",
    )
    expect(rows[0]?.n).toBe(10)
    await Promise.all(pending)
  })
})
