import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Db } from '../store/db.ts'
import { openPglite } from '../store/pglite.ts'
import { indexKey, type RouteIndex, routeIndex, routeIndexMigration } from './route-index.ts'

let db: Db
let index: RouteIndex

// One embedded database per file (starting PGlite takes seconds); each test starts empty.
beforeAll(async () => {
  db = await openPglite()
  await db.exec(routeIndexMigration.sql)
  index = routeIndex(db)
})
beforeEach(() => db.exec('DELETE FROM route_index'))
afterAll(() => db.close())

const key = { source: 'directus', collection: 'articles', id: '7' }

describe('route index', () => {
  it('returns what was written, per locale', async () => {
    await index.replace([
      {
        ...key,
        routes: [
          { locale: 'de', paths: ['/de/a'], tags: ['article:7'] },
          { locale: 'en', paths: ['/en/a'], tags: [] },
        ],
      },
    ])
    const found = await index.lookup([key, { ...key, id: '8' }])
    expect(found.get(indexKey(key))).toEqual([
      { locale: 'de', paths: ['/de/a'], tags: ['article:7'] },
      { locale: 'en', paths: ['/en/a'], tags: [] },
    ])
    expect(found.has(indexKey({ ...key, id: '8' }))).toBe(false)
  })

  it('replaces all locales of an item and removes it when it has no routes', async () => {
    await index.replace([{ ...key, routes: [{ locale: 'de', paths: ['/de/a'], tags: [] }] }])
    await index.replace([{ ...key, routes: [{ locale: 'en', paths: ['/en/b'], tags: [] }] }])
    expect((await index.lookup([key])).get(indexKey(key))).toEqual([
      { locale: 'en', paths: ['/en/b'], tags: [] },
    ])
    await index.replace([{ ...key, routes: [] }])
    expect((await index.lookup([key])).size).toBe(0)
  })

  it('keeps sources and collections apart', async () => {
    await index.replace([{ ...key, routes: [{ locale: '', paths: ['/a'], tags: [] }] }])
    const other = { ...key, source: 'contentful' }
    expect((await index.lookup([other])).size).toBe(0)
  })
})
