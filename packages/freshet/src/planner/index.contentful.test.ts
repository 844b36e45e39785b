import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ContentChange, ItemChange, Plan } from '../core/domain.ts'
import type { Db } from '../store/db.ts'
import { parentEdgesMigration } from '../store/parent-edges.ts'
import { openPglite } from '../store/pglite.ts'
import { createPlanner } from './index.ts'
import { routeIndexMigration } from './route-index.ts'
import { CONTENTFUL, contentfulFixture, contentfulRules } from './test-fixtures.ts'

let db: Db
let cms: ReturnType<typeof contentfulFixture>
let host: string

beforeAll(async () => {
  db = await openPglite()
  await db.exec(routeIndexMigration.sql)
  await db.exec(parentEdgesMigration.sql)
})
afterAll(() => db.close())
beforeEach(async () => {
  await db.exec('DELETE FROM route_index')
  cms = contentfulFixture()
  host = await cms.listen()
  return () => cms.close()
})

const planner = (locales?: string[]) =>
  createPlanner({
    rules: contentfulRules,
    db,
    contentful: { ...CONTENTFUL, host, ...(locales ? { locales } : {}) },
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 5, timeoutMs: 2000 },
  })

const change = (
  collection: string,
  id: string,
  action: ItemChange['action'],
  fields?: Record<string, unknown>,
): ContentChange => ({
  kind: 'item',
  source: 'contentful',
  collection,
  id,
  action,
  ...(fields ? { fields } : {}),
})

const paths = (plan: Plan) => plan.paths.map((p) => p.value)

describe('planner on Contentful', () => {
  it('climbs links_to_asset and links_to_entry to the pages, per locale', async () => {
    const plan = await planner(['en-US', 'de']).plan([change('Asset', 'img1', 'publish')])
    // page2 has no German slug: with the space's locales known, it falls back to en-US.
    expect(paths(plan)).toEqual(['/de/shop', '/de/start', '/en-US/home', '/en-US/shop'])
    expect(plan.paths.find((p) => p.value === '/de/start')?.reasons).toEqual([
      { kind: 'parent', detail: 'Asset:img1 ← cta:cta1 ← section:section1 ← page:page1 (de)' },
    ])
    expect(
      cms.requests.map(
        (r) =>
          new URLSearchParams(r.query).get('links_to_asset') ??
          new URLSearchParams(r.query).get('links_to_entry'),
      ),
    ).toEqual(['img1', 'cta1', 'section1'])
  })

  it('renders only the locales an entry has when the space locales are not configured', async () => {
    const plan = await planner().plan([change('Asset', 'img1', 'publish')])
    expect(paths(plan)).toEqual(['/de/start', '/en-US/home', '/en-US/shop'])
  })

  it('uses the fields a publish webhook carries, without reading the API', async () => {
    const fields = { slug: { 'en-US': 'home', de: 'start' } }
    const plan = await planner().plan([change('page', 'page1', 'publish', fields)])
    expect(paths(plan)).toContain('/en-US/home')
    expect(cms.requests.some((r) => r.path.endsWith('/entries/page1'))).toBe(false)
  })

  it('purges the old localised URLs after an unpublish', async () => {
    const p = planner()
    await p.plan([change('page', 'page1', 'publish', { slug: { 'en-US': 'home', de: 'start' } })])
    cms.graph.unpublish('page1')
    const plan = await p.plan([change('page', 'page1', 'unpublish')])
    expect(paths(plan)).toEqual(['/de/start', '/en-US/home'])
    expect(plan.paths[0]?.reasons).toEqual([
      { kind: 'old-route', detail: 'page:page1 (de) unpublish' },
    ])
  })

  it('treats a 404 from the Delivery API as gone', async () => {
    const p = planner()
    await p.plan([change('page', 'page2', 'publish', { slug: { 'en-US': 'shop' } })])
    cms.graph.unpublish('page2')
    const plan = await p.plan([change('page', 'page2', 'create')])
    expect(paths(plan)).toEqual(['/en-US/shop'])
    expect(plan.paths[0]?.reasons[0]?.kind).toBe('old-route')
  })
})
