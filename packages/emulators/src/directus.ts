/**
 * A local Directus REST API over an in-memory content graph, for tests, the demo and the bench.
 * Speaks what freshet's planner uses, shaped like Directus 11/12 answers:
 *
 * - `GET /items/{collection}/{id}?fields=…` → `{ data }`; a missing item (or collection) is
 *   **403 FORBIDDEN**, as Directus answers it, never 404;
 * - `GET /items/{collection}?filter[field][_in]=1,2&fields=…&limit=&page=&sort=a,-b` →
 *   `{ data: [...] }` (also `filter={json}`, and `SEARCH` with `{ query }` in the body for long
 *   id lists); `sort` orders by each field in turn, `-` descending, numbers as numbers, dates
 *   as dates, other strings by code unit, as SQL sorts a column; `_gt`/`_lt` compare the same
 *   way, so `filter[id][_gt]=…&sort=id` pages through a collection by primary key;
 * - `GET /relations` → `{ data: [{ collection, field, related_collection, meta }] }`, only the
 *   relations whose collections (`collection`, `related_collection`, every
 *   `one_allowed_collections`) the token may read, as Directus 12's `filterForbidden` does: a
 *   junction left out of the policy makes its relations invisible, not forbidden;
 * - `GET /fields/{collection}` → `{ data: [{ collection, field, type, meta }] }`: needs read on
 *   `directus_fields` and on the collection (else 403), as Directus 12's `FieldsService`; the
 *   items' keys are plain fields, `graph.field()` adds alias ones (`special: ['m2m']`);
 * - `fields` expands many-to-one (`category.slug`) and one-to-many aliases (`blocks.id`);
 * - a static token: `Authorization: Bearer <token>` or `?access_token=`; a wrong one is 401
 *   `INVALID_CREDENTIALS`, none is 403;
 * - permissions as Directus 12's policies give them (`permissions.read`): reading a collection
 *   the token's policy does not allow, or `/relations` without read on `directus_relations`, is
 *   403 FORBIDDEN, the same answer as a missing item.
 */

import { type Context, Hono } from 'hono'
import { createCmsRequests } from './cms-requests.ts'
import { loopbackServer } from './loopback.ts'

export type DirectusItem = Record<string, unknown>

export interface DirectusRelation {
  collection: string
  field: string
  related_collection: string | null
  meta: { one_field: string | null; junction_field: string | null } & Record<string, unknown>
  schema?: Record<string, unknown> | null
}

export interface DirectusField {
  collection: string
  field: string
  type: string
  meta: { special: string[] | null; interface: string | null } & Record<string, unknown>
}

export interface DirectusEmulatorOptions {
  token: string
  /** Delay before each answer (the bench's "CMS answering in 10 ms"). */
  delayMs?: number
  /**
   * What the token's policy may read: collections, and `directus_relations` for `/relations`.
   * Absent: everything (an admin token).
   */
  permissions?: { read: readonly string[] }
}

type Condition = { path: string[]; op: string; value: unknown }
type Query = { fields: string[]; filter: Condition[]; limit: number; page: number; sort: string[] }

const FORBIDDEN = {
  errors: [
    { message: "You don't have permission to access this.", extensions: { code: 'FORBIDDEN' } },
  ],
}
const INVALID_TOKEN = {
  errors: [{ message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } }],
}

/** The in-memory content graph, changeable by tests. Items keep M2O fields as raw keys. */
export function createDirectusGraph() {
  const collections = new Map<string, Map<string, DirectusItem>>()
  const relations: DirectusRelation[] = []
  const fields: DirectusField[] = []
  const table = (name: string) => {
    const t = collections.get(name) ?? new Map<string, DirectusItem>()
    collections.set(name, t)
    return t
  }
  return {
    collections,
    relations,
    fields,
    /** A field of the data model beside the items' own keys: an alias (`o2m`, `m2m`, `m2a`). */
    field(collection: string, field: string, meta: { special: string[]; interface: string }) {
      fields.push({ collection, field, type: 'alias', meta })
    },
    set(collection: string, item: DirectusItem) {
      table(collection).set(String(item.id), item)
    },
    update(collection: string, id: string | number, patch: DirectusItem) {
      const current = table(collection).get(String(id))
      if (current) table(collection).set(String(id), { ...current, ...patch })
    },
    remove(collection: string, id: string | number) {
      table(collection).delete(String(id))
    },
    relate(
      relation: Omit<DirectusRelation, 'meta'> & { meta?: Partial<DirectusRelation['meta']> },
    ) {
      relations.push({
        ...relation,
        meta: {
          many_collection: relation.collection,
          many_field: relation.field,
          one_collection: relation.related_collection,
          one_field: null,
          junction_field: null,
          ...relation.meta,
        },
        schema: { table: relation.collection, column: relation.field },
      })
    },
  }
}

export type DirectusGraph = ReturnType<typeof createDirectusGraph>

/** Value(s) at a dotted field path, following M2O keys and O2M aliases through `relations`. */
function resolve(
  graph: DirectusGraph,
  collection: string,
  item: DirectusItem,
  path: string[],
): unknown {
  const [head, ...rest] = path
  if (head === undefined) return item
  const m2o = graph.relations.find((r) => r.collection === collection && r.field === head)
  if (m2o?.related_collection && rest.length > 0) {
    const related = graph.collections.get(m2o.related_collection)?.get(String(item[head]))
    return related ? resolve(graph, m2o.related_collection, related, rest) : null
  }
  const o2m = graph.relations.find(
    (r) => r.related_collection === collection && r.meta.one_field === head,
  )
  if (o2m) {
    const children = [...(graph.collections.get(o2m.collection)?.values() ?? [])].filter(
      (child) => String(child[o2m.field]) === String(item.id),
    )
    if (rest.length === 0) return children.map((c) => c.id)
    return children.flatMap((c) => resolve(graph, o2m.collection, c, rest))
  }
  return item[head]
}

/** The item reduced to `fields` (Directus' nested shape: `category.slug` → `{category:{slug}}`). */
function pick(graph: DirectusGraph, collection: string, item: DirectusItem, fields: string[]) {
  const out: DirectusItem = {}
  const groups = new Map<string, string[]>()
  for (const field of fields) {
    if (field === '*') {
      for (const key of Object.keys(item)) groups.set(key, groups.get(key) ?? [])
      continue
    }
    const [head = '', ...rest] = field.split('.')
    const sub = groups.get(head) ?? []
    if (rest.length > 0) sub.push(rest.join('.'))
    groups.set(head, sub)
  }
  for (const [head, sub] of groups) {
    if (sub.length === 0) out[head] = resolve(graph, collection, item, [head])
    else out[head] = expand(graph, collection, item, head, sub)
  }
  return out
}

function expand(
  graph: DirectusGraph,
  collection: string,
  item: DirectusItem,
  head: string,
  sub: string[],
) {
  const m2o = graph.relations.find((r) => r.collection === collection && r.field === head)
  if (m2o?.related_collection) {
    const related = graph.collections.get(m2o.related_collection)?.get(String(item[head]))
    return related ? pick(graph, m2o.related_collection, related, sub) : null
  }
  const o2m = graph.relations.find(
    (r) => r.related_collection === collection && r.meta.one_field === head,
  )
  if (!o2m) return item[head] ?? null
  return [...(graph.collections.get(o2m.collection)?.values() ?? [])]
    .filter((child) => String(child[o2m.field]) === String(item.id))
    .map((child) => pick(graph, o2m.collection, child, sub))
}

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : String(value).split(',')
const has = (set: unknown, value: unknown) =>
  set instanceof Set ? set.has(String(value)) : list(set).includes(String(value))

/** Numbers as numbers, dates (`2026-05-01T10:00:00Z`) as dates, other strings by code unit. */
function compare(a: unknown, b: unknown): number {
  const num = (v: unknown) =>
    typeof v === 'string' && Number.isNaN(Number(v)) ? Date.parse(v) : Number(v)
  const [x, y] = [num(a), num(b)]
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y
  const [s, t] = [String(a), String(b)]
  return s < t ? -1 : s > t ? 1 : 0
}

/** Sorts by `sort` fields (`-` descending); null sorts first ascending, as SQLite does. */
function sortItems(items: DirectusItem[], sort: string[]): DirectusItem[] {
  const keys = sort.map((s) => (s.startsWith('-') ? { f: s.slice(1), dir: -1 } : { f: s, dir: 1 }))
  const nil = (v: unknown) => v === null || v === undefined
  return [...items].sort((a, b) => {
    for (const { f, dir } of keys) {
      const [x, y] = [a[f], b[f]]
      const order = nil(x) || nil(y) ? Number(!nil(x)) - Number(!nil(y)) : compare(x, y)
      if (order !== 0) return order * dir
    }
    return 0
  })
}

function test(actual: unknown, op: string, expected: unknown): boolean {
  const values = Array.isArray(actual) ? actual : [actual]
  // SQL: a comparison with null is never true.
  const present = (v: unknown) => v !== null && v !== undefined
  const one = (a: unknown): boolean => {
    switch (op) {
      case '_eq':
        return String(a) === String(expected)
      case '_neq':
        return String(a) !== String(expected)
      case '_in':
        return a !== null && a !== undefined && has(expected, a)
      case '_nin':
        return !has(expected, a)
      case '_gt':
        return present(a) && compare(a, expected) > 0
      case '_gte':
        return present(a) && compare(a, expected) >= 0
      case '_lt':
        return present(a) && compare(a, expected) < 0
      case '_lte':
        return present(a) && compare(a, expected) <= 0
      case '_null':
        return a === null || a === undefined
      case '_nnull':
        return a !== null && a !== undefined
      default:
        throw new Error(`unsupported filter operator ${op}`)
    }
  }
  return values.some(one)
}

/** `_or` and `_and` (logical, around fields) hold their branches' conditions: `Condition[][]`. */
function flattenFilter(filter: unknown, path: string[] = []): Condition[] {
  if (filter === null || typeof filter !== 'object') return []
  return Object.entries(filter).flatMap(([key, value]): Condition[] => {
    if ((key === '_or' || key === '_and') && Array.isArray(value))
      return [{ path, op: key, value: value.map((branch) => flattenFilter(branch, path)) }]
    return key.startsWith('_') ? [{ path, op: key, value }] : flattenFilter(value, [...path, key])
  })
}

function matches(
  graph: DirectusGraph,
  collection: string,
  item: DirectusItem,
  cond: Condition,
): boolean {
  const branch = (conditions: Condition[]): boolean =>
    conditions.every((c) => matches(graph, collection, item, c))
  if (cond.op === '_or') return (cond.value as Condition[][]).some(branch)
  if (cond.op === '_and') return (cond.value as Condition[][]).every(branch)
  return test(resolve(graph, collection, item, cond.path), cond.op, cond.value)
}

function parseQuery(params: URLSearchParams, body?: Record<string, unknown>): Query {
  const fromBody = (body?.query ?? {}) as Record<string, unknown>
  const fieldsText = fromBody.fields ?? params.get('fields') ?? '*'
  const fields = list(fieldsText)
    .map((f) => f.trim())
    .filter(Boolean)
  const filter: Condition[] = flattenFilter(fromBody.filter)
  const jsonFilter = params.get('filter')
  if (jsonFilter) filter.push(...flattenFilter(JSON.parse(jsonFilter)))
  for (const [key, value] of params) {
    const match = /^filter((?:\[[^\]]+\])+)$/.exec(key)
    if (!match?.[1]) continue
    const segments = [...match[1].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] ?? '')
    const op = segments.pop() ?? '_eq'
    filter.push({ path: segments, op, value })
  }
  // `_in` over thousands of ids: a Set, so the bench measures the planner and not this scan.
  for (const cond of filter) {
    if (cond.op === '_in' || cond.op === '_nin') cond.value = new Set(list(cond.value))
  }
  const limit = Number(fromBody.limit ?? params.get('limit') ?? 100)
  const page = Number(fromBody.page ?? params.get('page') ?? 1)
  const sortText = fromBody.sort ?? params.get('sort') ?? ''
  const sort = list(sortText)
    .map((f) => f.trim())
    .filter(Boolean)
  return { fields, filter, limit, page, sort }
}

export function createDirectusEmulator(options: DirectusEmulatorOptions) {
  const graph = createDirectusGraph()
  const cms = createCmsRequests(options.delayMs)
  const app = new Hono()

  app.use(async (c, next) => {
    const { failure, token } = await cms.admit(c)
    if (failure) return c.json({ errors: [{ message: 'Injected failure' }] }, failure as 500)
    if (token === undefined) return c.json(FORBIDDEN, 403)
    if (token !== options.token) return c.json(INVALID_TOKEN, 401)
    await next()
  })

  const mayRead = (collection: string) =>
    options.permissions === undefined || options.permissions.read.includes(collection)

  app.get('/relations', (c) => {
    if (!mayRead('directus_relations')) return c.json(FORBIDDEN, 403)
    const visible = (r: DirectusRelation) =>
      mayRead(r.collection) &&
      (r.related_collection === null || mayRead(r.related_collection)) &&
      ((r.meta.one_allowed_collections as string[] | undefined) ?? []).every(mayRead)
    return c.json({ data: graph.relations.filter(visible) })
  })

  app.get('/fields/:collection', (c) => {
    const collection = c.req.param('collection')
    if (!mayRead('directus_fields') || !mayRead(collection)) return c.json(FORBIDDEN, 403)
    const keys = new Set(
      [...(graph.collections.get(collection)?.values() ?? [])].flatMap((i) => Object.keys(i)),
    )
    const plain: DirectusField[] = [...keys].map((field) => ({
      collection,
      field,
      type: 'unknown',
      meta: { special: null, interface: null },
    }))
    const aliases = graph.fields.filter((f) => f.collection === collection)
    return c.json({ data: [...plain, ...aliases] })
  })

  app.get('/items/:collection/:id', (c) => {
    if (!mayRead(c.req.param('collection'))) return c.json(FORBIDDEN, 403)
    const item = graph.collections.get(c.req.param('collection'))?.get(c.req.param('id'))
    if (!item) return c.json(FORBIDDEN, 403)
    const query = parseQuery(new URL(c.req.url).searchParams)
    return c.json({ data: pick(graph, c.req.param('collection'), item, query.fields) })
  })

  const listItems = (c: Context, body?: Record<string, unknown>) => {
    const collection = c.req.param('collection') ?? ''
    if (!mayRead(collection)) return c.json(FORBIDDEN, 403)
    const items = graph.collections.get(collection)
    if (!items) return c.json(FORBIDDEN, 403)
    const query = parseQuery(new URL(c.req.url).searchParams, body)
    const matching = sortItems(
      [...items.values()].filter((item) =>
        query.filter.every((cond) => matches(graph, collection, item, cond)),
      ),
      query.sort,
    )
    const start = query.limit < 0 ? 0 : (query.page - 1) * query.limit
    const page = query.limit < 0 ? matching : matching.slice(start, start + query.limit)
    return c.json({ data: page.map((item) => pick(graph, collection, item, query.fields)) })
  }
  app.get('/items/:collection', (c) => listItems(c))
  app.on('SEARCH', '/items/:collection', async (c) => listItems(c, await c.req.json()))

  const server = loopbackServer(app)
  return {
    graph,
    app,
    ...cms.controls,
    listen: server.listen,
    close: server.close,
  }
}

export type DirectusEmulator = ReturnType<typeof createDirectusEmulator>
