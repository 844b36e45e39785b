import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ContentChange, ItemChange, Plan } from '../core/domain.ts'
import type { Db } from '../store/db.ts'
import { parentEdgesMigration } from '../store/parent-edges.ts'
import { openPglite } from '../store/pglite.ts'
import { CmsError } from './cms-http.ts'
import { createPlanner, type PlannerOptions } from './index.ts'
import { routeIndexMigration } from './route-index.ts'
import { DIRECTUS_TOKEN, directusFixture, directusRules } from './test-fixtures.ts'

let db: Db
let cms: ReturnType<typeof directusFixture>
let url: string

beforeAll(async () => {
  db = await openPglite()
  await db.exec(routeIndexMigration.sql)
  await db.exec(parentEdgesMigration.sql)
})
afterAll(() => db.close())
beforeEach(async () => {
  await db.exec('DELETE FROM route_index')
  cms = directusFixture()
  url = await cms.listen()
  return () => cms.close()
})

const planner = (o: Partial<PlannerOptions> = {}) =>
  createPlanner({
    rules: directusRules,
    db,
    directus: { url, token: DIRECTUS_TOKEN },
    retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5, timeoutMs: 2000 },
    ...o,
  })

const change = (
  collection: string,
  id: string,
  action: ItemChange['action'],
  fields?: Record<string, unknown>,
) =>
  ({
    kind: 'item',
    source: 'directus',
    collection,
    id,
    action,
    ...(fields ? { fields } : {}),
  }) as ContentChange

const paths = (plan: Plan) => plan.paths.map((p) => p.value)
const reasonsOf = (plan: Plan, value: string) => plan.paths.find((p) => p.value === value)?.reasons

describe('planner on Directus', () => {
  it('finds the two pages three levels above a component, one request per level', async () => {
    const plan = await planner().plan([change('buttons', '1', 'update', { text: 'Order' })])
    expect(paths(plan)).toEqual(['/about', '/home'])
    expect(plan.tags.map((t) => t.value)).toEqual(['page:1', 'page:2', 'page:4'])
    expect(reasonsOf(plan, '/home')).toEqual([
      { kind: 'parent', detail: 'buttons:1 ← cta:1 ← sections:1 ← pages:1' },
    ])
    // GET /relations, then cta, sections, pages: one request per level.
    expect(cms.requests.map((r) => r.path)).toEqual([
      '/relations',
      '/items/cta',
      '/items/sections',
      '/items/sections',
    ])
  })

  it('notes a page whose slug is missing instead of purging /undefined', async () => {
    const plan = await planner().plan([change('buttons', '1', 'update')])
    expect(paths(plan).some((p) => p.includes('undefined') || p === '/')).toBe(false)
    expect(plan.notes).toContainEqual({
      level: 'warn',
      message: 'pages:4: path template "/{slug}" skipped: field "slug" is missing or empty',
    })
  })

  it('follows a many-to-many through its junction collection', async () => {
    const plan = await planner().plan([change('tags', '5', 'update', { name: 'technology' })])
    expect(paths(plan)).toEqual(['/articles', '/articles/hello'])
    expect(reasonsOf(plan, '/articles/hello')?.[0]?.detail).toBe('tags:5 ← articles:1')
  })

  it('terminates on a cycle', async () => {
    const plan = await planner().plan([change('snippets', '2', 'update')])
    expect(paths(plan)).toEqual(['/loop'])
    expect(reasonsOf(plan, '/loop')?.[0]?.detail).toBe(
      'snippets:2 ← snippets:1 ← sections:3 ← pages:3',
    )
  })

  it('stops at the depth limit and says so', async () => {
    const plan = await planner({ depthLimit: 2 }).plan([change('buttons', '1', 'update')])
    expect(paths(plan)).toEqual([])
    expect(plan.notes.some((n) => n.message.includes('depth limit'))).toBe(true)
  })

  it('purges the old URL after a slug change, read from the route index', async () => {
    const p = planner()
    await p.plan([change('articles', '1', 'update', { status: 'published' })])
    cms.graph.update('articles', 1, { slug: 'hello-world' })
    const plan = await p.plan([change('articles', '1', 'update', { slug: 'hello-world' })])
    expect(paths(plan)).toEqual(['/articles', '/articles/hello', '/articles/hello-world'])
    expect(reasonsOf(plan, '/articles/hello')).toEqual([
      { kind: 'old-route', detail: 'articles:1 route changed' },
    ])
    expect(plan.tags.map((t) => t.value)).toEqual(['article:1', 'category:news'])
  })

  it('purges what the index held after a delete, then forgets the item', async () => {
    const p = planner()
    await p.plan([change('articles', '1', 'create')])
    cms.graph.remove('articles', 1)
    const plan = await p.plan([change('articles', '1', 'delete')])
    expect(paths(plan)).toEqual(['/articles', '/articles/hello'])
    expect(reasonsOf(plan, '/articles/hello')).toEqual([
      { kind: 'old-route', detail: 'articles:1 delete' },
    ])
    const again = await p.plan([change('articles', '1', 'delete')])
    expect(paths(again)).toEqual(['/articles'])
  })

  it('a component deleted without ever being edited purges the page that embedded it', async () => {
    await db.exec('DELETE FROM parent_edges')
    const p = planner()
    // Deleted with nothing recorded: nothing knows it was on a page.
    cms.graph.remove('sections', 2)
    expect(paths(await p.plan([change('sections', '2', 'delete')]))).toEqual([])
    // The page's own plan records what it embeds (sections:1, through pages.sections) ...
    await p.plan([change('pages', '1', 'update', { slug: 'home' })])
    cms.graph.remove('sections', 1)
    // ... so the section's delete, whose references Directus has removed, purges the page.
    const plan = await p.plan([change('sections', '1', 'delete')])
    expect(paths(plan)).toEqual(['/home'])
    expect(reasonsOf(plan, '/home')).toEqual([
      { kind: 'parent', detail: 'sections:1 ← pages:1 (embedded before the delete)' },
    ])
  })

  it('seeding records what routed items embed, and a page that drops a component drops its edge', async () => {
    await db.exec('DELETE FROM parent_edges')
    const p = planner()
    await p.seed([change('pages', '2', 'update') as ItemChange])
    const edges = () =>
      db.query<{ child_id: string }>(
        `SELECT child_id FROM parent_edges WHERE parent_collection = 'pages' AND parent_id = '2'`,
      )
    expect(await edges()).toEqual([{ child_id: '2' }])
    cms.graph.update('sections', 2, { page: null })
    await p.plan([change('pages', '2', 'update', { slug: 'about' })])
    expect(await edges()).toEqual([])
  })

  it('treats 403 FORBIDDEN for an updated item as gone', async () => {
    const p = planner()
    await p.plan([change('articles', '1', 'update')])
    cms.graph.remove('articles', 1)
    const plan = await p.plan([change('articles', '1', 'update', { title: 'x' })])
    expect(reasonsOf(plan, '/articles/hello')).toEqual([
      { kind: 'old-route', detail: 'articles:1 update' },
    ])
  })

  it('purges the old URL when an item is unpublished by a status change', async () => {
    const p = planner()
    await p.plan([change('articles', '1', 'update')])
    cms.graph.update('articles', 1, { status: 'archived' })
    const plan = await p.plan([change('articles', '1', 'update', { status: 'archived' })])
    expect(paths(plan)).toEqual(['/articles', '/articles/hello'])
  })

  it('simulate leaves the route index as it was', async () => {
    const p = planner()
    await p.plan([change('articles', '1', 'update')])
    cms.graph.update('articles', 1, { slug: 'renamed' })
    await p.simulate([change('articles', '1', 'update')])
    const plan = await p.simulate([change('articles', '1', 'update')])
    expect(paths(plan)).toContain('/articles/hello')
  })

  it('merges explicit purges and de-duplicates', async () => {
    const plan = await planner().plan([
      { kind: 'purge', source: 'generic', paths: ['/home', '/x'], tags: [] },
      change('buttons', '1', 'update'),
      change('cta', '1', 'update'),
    ])
    expect(paths(plan)).toEqual(['/about', '/home', '/x'])
    expect(reasonsOf(plan, '/home')?.map((r) => r.kind)).toEqual(['explicit', 'parent'])
  })

  it('retries a 503 and reads each URL once per batch', async () => {
    cms.failNext(503)
    const plan = await planner().plan([
      change('articles', '1', 'update'),
      change('articles', '1', 'update'),
    ])
    expect(paths(plan)).toContain('/articles/hello')
    expect(cms.requests.filter((r) => r.path === '/items/articles/1')).toHaveLength(2)
  })

  it('fails clearly when Directus keeps failing, rather than purging too little', async () => {
    cms.failNext(...Array(12).fill(503))
    const failing = planner().plan([change('articles', '1', 'update')])
    await expect(failing).rejects.toBeInstanceOf(CmsError)
    await expect(failing).rejects.toThrow(
      /\[freshet\] \[directus\] GET \/items\/articles\/1 answered 503/,
    )
  })
})
