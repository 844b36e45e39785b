import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { Db } from './db.ts'
import { insertEvents } from './events.ts'
import { migrate } from './migrations.ts'
import {
  coveredItems,
  coveredRevisions,
  indexedItemsIn,
  knownCollections,
  readCursor,
  saveCursor,
} from './reconcile.ts'
import { testStores } from './test-stores.ts'

const stores = await testStores()

describe.each(stores)('reconciliation store on $name', (store) => {
  let db: Db
  afterEach(async () => db?.close())

  it('keeps a cursor per name', { timeout: 120_000 }, async () => {
    db = (await store.open()).db
    await migrate(db)
    expect(await readCursor(db, 'directus:pages')).toBeUndefined()
    await saveCursor(db, 'directus:pages', { at: '2026-12-04T12:03:07.000Z', id: '7' })
    await saveCursor(db, 'directus:pages', { at: '2026-12-04T12:03:08.000Z', id: '2' })
    expect(await readCursor(db, 'directus:pages')).toEqual({
      at: '2026-12-04T12:03:08.000Z',
      id: '2',
    })
  })

  it('counts an item covered only by an event received at or after its change, or on its way', {
    timeout: 120_000,
  }, async () => {
    db = (await store.open()).db
    await migrate(db)
    const at = new Date('2026-12-04T12:03:07.000Z')
    const change = (id: string) => ({
      kind: 'item' as const,
      source: 'directus',
      collection: 'pages',
      id,
      action: 'create' as const,
      fields: { status: 'scheduled', slug: `p${id}` },
    })
    await insertEvents(db, [
      {
        id: randomUUID(),
        source: 'directus',
        receivedAt: new Date(at.getTime() - 3000),
        bodyDigest: 'x',
        changes: [change('1')],
      },
      {
        id: randomUUID(),
        source: 'directus',
        receivedAt: new Date(at.getTime() + 10),
        bodyDigest: 'x',
        changes: [change('2')],
      },
    ])
    // Batched: the event row keeps the status it was claimed in; its batch's is the one that counts.
    await db.query(`INSERT INTO batches (id, status) VALUES ('b1', 'completed')`)
    await db.query(`UPDATE events SET status = 'planning', batch_id = 'b1'`)
    const items = ['1', '2', '3'].map((id) => ({ collection: 'pages', id, since: at }))
    expect(await coveredItems(db, ['directus', 'reconcile:directus'], items)).toEqual(new Set([1]))
    // Planned before the change but still purging: does not cover it. Not planned yet: does.
    await db.query(`UPDATE batches SET status = 'tracking'`)
    expect(await coveredItems(db, ['directus'], items)).toEqual(new Set([1]))
    await db.query(`UPDATE events SET status = 'received', batch_id = NULL`)
    expect(await coveredItems(db, ['directus'], items)).toEqual(new Set([0, 1]))
  })

  it('counts a revision covered by an event that delivered it or a later one', {
    timeout: 120_000,
  }, async () => {
    db = (await store.open()).db
    await migrate(db)
    const at = new Date('2026-12-04T12:03:07.000Z')
    const change = (id: string, revision?: number) => ({
      kind: 'item' as const,
      source: 'contentful',
      collection: 'page',
      id,
      action: 'publish' as const,
      ...(revision === undefined ? {} : { revision }),
    })
    const event = (id: string, revision?: number, receivedAt = at) => ({
      id: randomUUID(),
      source: 'contentful',
      receivedAt,
      bodyDigest: 'x',
      changes: [change(id, revision)],
    })
    await insertEvents(db, [
      event('a', 5),
      event('b', 4),
      event('c', undefined, new Date(at.getTime() + 10)),
      event('d', 9, new Date(at.getTime() - 60_000)),
    ])
    await db.query(`INSERT INTO batches (id, status) VALUES ('b1', 'completed')`)
    await db.query(`UPDATE events SET status = 'planning', batch_id = 'b1'`)
    const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({
      collection: 'page',
      id,
      revision: 5,
      since: at,
    }))
    // a: delivered 5; b: only 4 (even unplanned, its plan would use revision 4's fields);
    // c: no revision, received after the change; d: a later revision, whatever its time.
    expect(await coveredRevisions(db, ['contentful'], items)).toEqual(new Set([0, 2, 3]))
    await db.query(`UPDATE events SET status = 'received', batch_id = NULL`)
    expect(await coveredRevisions(db, ['contentful'], items)).toEqual(new Set([0, 2, 3]))
  })

  it('knows the collections of ids from the route index and the parent edges', {
    timeout: 120_000,
  }, async () => {
    db = (await store.open()).db
    await migrate(db)
    await db.query(
      `INSERT INTO route_index (source, collection, item_id, locale, paths, tags, updated_at)
       VALUES ('contentful', 'page', 'p1', '', '{/home}', '{}', now())`,
    )
    await db.query(
      `INSERT INTO parent_edges (source, child_collection, child_id, parent_collection, parent_id, chain)
       VALUES ('contentful', 'cta', 'c1', 'page', 'p1', 'cta:c1 ← page:p1')`,
    )
    const found = await knownCollections(db, 'contentful', ['p1', 'c1', 'gone'])
    expect(Object.fromEntries(found)).toEqual({ p1: ['page'], c1: ['cta'] })
    expect((await knownCollections(db, 'directus', ['p1'])).size).toBe(0)
  })
  it('reads the indexed ids in a range, integer keys as numbers, others as bytes', {
    timeout: 120_000,
  }, async () => {
    db = (await store.open()).db
    await migrate(db)
    const ids = (collection: string, list: string[]) =>
      db.query(
        `INSERT INTO route_index (source, collection, item_id, locale, paths, tags, updated_at)
         SELECT 'directus', $1, id, '', '{/x}', '{}', now() FROM unnest($2::text[]) AS t(id)`,
        [collection, list],
      )
    await ids('pages', ['2', '9', '10', '11'])
    await ids('posts', ['B', 'a', 'b', 'ab'])
    const keys = async (collection: string, range: Parameters<typeof indexedItemsIn>[3]) =>
      [...(await indexedItemsIn(db, 'directus', collection, range)).keys()].sort()
    expect(await keys('pages', { after: '2', upTo: '10', numeric: true })).toEqual(['10', '9'])
    expect(await keys('pages', { after: '10', numeric: true })).toEqual(['11'])
    expect(await keys('pages', { upTo: '2', numeric: true })).toEqual(['2'])
    expect(await keys('pages', { numeric: true })).toHaveLength(4)
    // Byte order: 'B' < 'a' < 'ab' < 'b', whatever the database's collation.
    expect(await keys('posts', { after: 'B', upTo: 'ab', numeric: false })).toEqual(['a', 'ab'])
  })
})
