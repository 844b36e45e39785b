import { createDirectusEmulator, type DirectusEmulator } from '@freshet/emulators/directus'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ItemChange } from '../../core/domain.ts'
import { routeRule } from '../../core/routes.ts'
import { routeIndex } from '../../planner/route-index.ts'
import type { Db } from '../../store/db.ts'
import { insertEvents, type NewEvent } from '../../store/events.ts'
import { migrate } from '../../store/migrations.ts'
import { openPglite } from '../../store/pglite.ts'
import { indexedItems } from '../../store/reconcile.ts'
import { type DirectusReconcileOptions, reconcileDirectus } from './reconcile.ts'

const TOKEN = 'reconcile-token'
const OLD = '2026-01-01T00:00:00.000Z'
const rules = [
  routeRule.parse({
    collection: 'pages',
    source: 'directus',
    paths: ['/{slug}'],
    when: { status: 'published' },
  }),
]

let db: Db
let cms: DirectusEmulator
let url: string
let events: NewEvent[]

beforeEach(async () => {
  db = await openPglite()
  await migrate(db)
  cms = createDirectusEmulator({ token: TOKEN })
  for (const id of [1, 2, 3, 4, 5])
    cms.graph.set('pages', {
      id,
      slug: `p${id}`,
      status: id === 4 ? 'draft' : 'published',
      date_updated: OLD,
    })
  url = await cms.listen()
  events = []
})
afterEach(async () => {
  await cms.close()
  await db.close()
})

const index = () => routeIndex(db)
const run = (o: Partial<DirectusReconcileOptions> = {}) =>
  reconcileDirectus({
    url,
    token: TOKEN,
    fetch: globalThis.fetch,
    retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 5, timeoutMs: 5000 },
    db,
    rules,
    dateField: 'date_updated',
    dateFields: {},
    maxItems: 500,
    pageSize: 2,
    pagesPerRun: 1,
    maxEvents: 100,
    now: () => new Date(),
    async accept(event) {
      events.push(event)
      return (await insertEvents(db, [event]))[0] ?? { id: event.id, duplicate: true }
    },
    // The planner writes each item's routes; here its URL is enough.
    seed: (changes: ItemChange[]) =>
      index().replace(
        changes.map((c) => ({
          source: 'directus',
          collection: c.collection,
          id: c.id,
          routes: [{ locale: '', paths: [`/p${c.id}`], tags: [] }],
        })),
      ),
    ...o,
  })

/** The sweep's page requests: ids only, sorted by primary key. */
const pageRequests = () =>
  cms.requests.filter((r) => new URLSearchParams(r.query).get('sort') === 'id').length
const changed = () => events.map((e) => (e.changes[0] as ItemChange).id)

/** Seeds the route index through the first sweep (3 runs: [1,2], [3,5], the end). */
async function seed() {
  for (let i = 0; i < 3; i++) await run()
  expect([...(await indexedItems(db, 'directus', 'pages')).keys()].sort()).toEqual([
    '1',
    '2',
    '3',
    '5',
  ])
  expect(events).toEqual([])
}

describe('Directus reconciliation, visible set in pages', () => {
  it('finds an item that became visible, or stopped, past the first page on a later run', {
    timeout: 60_000,
  }, async () => {
    await seed()
    // A cron Flow's flips with no event and no new date: only the sweep can see them.
    cms.graph.update('pages', 4, { status: 'published' })
    cms.graph.update('pages', 5, { status: 'draft' })
    cms.requests.length = 0
    // Page 1 (visible 1, 2) against the index up to 2: nothing changed there.
    expect((await run()).events).toEqual([])
    expect(pageRequests()).toBe(1)
    // Page 2 (visible 3, 4) against the index in (2, 4]: 4 appeared.
    await run()
    expect(changed()).toEqual(['4'])
    expect(events[0]?.changes[0]).toMatchObject({ action: 'publish' })
    // Page 3 (none; the end) against the index after 4: 5 went.
    await run()
    expect(changed()).toEqual(['4', '5'])
    expect(events[1]?.changes[0]).toMatchObject({
      action: 'update',
      provenance: { reason: 'no longer matches the routes or was deleted, no webhook received' },
    })
    expect(pageRequests()).toBe(3)
    // The sweep wrapped: the next full sweep finds nothing new.
    for (let i = 0; i < 3; i++) await run()
    expect(changed()).toEqual(['4', '5'])
  })

  it('compares integer keys as numbers, as Directus sorts them', { timeout: 60_000 }, async () => {
    for (const id of [10, 11])
      cms.graph.set('pages', { id, slug: `p${id}`, status: 'published', date_updated: OLD })
    for (let i = 0; i < 4; i++) await run()
    expect((await indexedItems(db, 'directus', 'pages')).size).toBe(6)
    for (let i = 0; i < 6; i++) await run()
    expect(events).toEqual([])
  })

  it('never reads more than pagesPerRun pages in a run', { timeout: 60_000 }, async () => {
    await seed()
    for (const pagesPerRun of [1, 2]) {
      cms.requests.length = 0
      await run({ pagesPerRun })
      expect(pageRequests()).toBeGreaterThan(0)
      expect(pageRequests()).toBeLessThanOrEqual(pagesPerRun)
      // No read of the whole collection (`limit=-1`): every request is a bounded page.
      const limits = cms.requests.map((r) => Number(new URLSearchParams(r.query).get('limit')))
      expect(limits.every((limit) => limit >= 1 && limit <= 500)).toBe(true)
    }
  })

  it('makes at most maxEvents per run from changed items; the cursor stops at the cap', {
    timeout: 60_000,
  }, async () => {
    await seed()
    // Three changed items whose webhooks were lost: the changed-items cursor stops at the cap.
    for (const id of [1, 2, 3])
      cms.graph.update('pages', id, { date_updated: '2026-02-01T00:00:00.000Z' })
    const first = await run({ maxEvents: 2 })
    expect(first.events).toHaveLength(2)
    expect(changed()).toEqual(['1', '2'])
    const second = await run({ maxEvents: 2 })
    expect(second.events).toHaveLength(1)
    expect(changed()).toEqual(['1', '2', '3'])
  })

  it('makes at most maxEvents per run from the sweep; its page is read again', {
    timeout: 60_000,
  }, async () => {
    await seed()
    // Unpublished while freshet was down, no new date: only the sweep sees them.
    for (const id of [1, 2]) cms.graph.update('pages', id, { status: 'draft' })
    const made: number[] = []
    for (let i = 0; i < 3; i++) made.push((await run({ maxEvents: 1, pageSize: 5 })).events.length)
    expect(made).toEqual([1, 1, 0])
    expect(changed().sort()).toEqual(['1', '2'])
  })
})
