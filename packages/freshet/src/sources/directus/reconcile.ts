/**
 * Directus reconciliation: what changed in Directus that no webhook delivered. For each routed
 * collection, one run reads
 * - the items changed since the cursor (`date_updated`, or the configured field), in (date, id)
 *   order, at most `maxItems`: an edit whose Flow failed, a cron Flow's flip with events off;
 * - a few pages of the ids that match the routes' `when` now (a sweep by primary key, its
 *   position kept in the store), compared with the route index over the same id range: an item
 *   that became visible, or stopped being visible (unpublished, deleted while freshet was down).
 * Each such item whose change no event covers yet becomes an event of source `reconcile:directus`
 * whose change says why, at most `maxEvents` per run. The first sweep seeds: it writes the route
 * index of what is visible, purging nothing.
 */
import { hash, randomUUID } from 'node:crypto'
import type { ChangeAction, ItemChange } from '../../core/domain.ts'
import type { RouteRule } from '../../core/routes.ts'
import { type CmsRetry, type FetchLike, requestJson } from '../../planner/cms-http.ts'
import type { Db } from '../../store/db.ts'
import type { Accepted, NewEvent } from '../../store/events.ts'
import {
  coveredItems,
  indexedItems,
  indexedItemsIn,
  type ReconcileCursor,
  readCursor,
  saveCursor,
} from '../../store/reconcile.ts'

export const RECONCILE_SOURCE = 'reconcile:directus'

export interface DirectusReconcileOptions {
  url: string
  token: string
  fetch: FetchLike
  retry: CmsRetry
  db: Db
  rules: readonly RouteRule[]
  /** The field holding each item's last change; `date_updated` unless set per collection. */
  dateField: string
  dateFields: Record<string, string>
  /** Most changed items read per collection and run. */
  maxItems: number
  /** Ids per page of the visible-set sweep, and pages per collection and run. */
  pageSize: number
  pagesPerRun: number
  /** Most events one run makes, over all collections; the rest wait for the next run. */
  maxEvents: number
  now: () => Date
  accept(event: NewEvent): Promise<Accepted>
  /** Writes the route index of these items without purging (the first run). */
  seed(changes: ItemChange[], signal?: AbortSignal): Promise<void>
  signal?: AbortSignal | undefined
}

/** What one run cost and made: logged, counted in metrics, printed by `freshet reconcile`. */
export interface ReconcileReport {
  source: 'directus'
  requests: number
  /** Items read (changed ones and visible ids). */
  items: number
  /** Events made (new ones; a redelivered key is not counted). */
  events: string[]
  /** Items written to the route index by a first run. */
  seeded: number
  /** Per collection: changed items read, visible ids read by the sweep, events made. */
  collections: { collection: string; changed: number; visible: number; made: number }[]
}

type Row = Record<string, unknown>

const idOf = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined

/** Directus's filter for a rule's `when` (`{status: published}` → `{status: {_in: [...]}}`). */
export function whenFilter(rule: RouteRule): Record<string, unknown> | undefined {
  const entries = Object.entries(rule.when ?? {})
  if (entries.length === 0) return undefined
  const parts = entries.map(([key, expected]) => {
    const allowed = Array.isArray(expected) ? expected : [expected]
    const values = allowed.filter((v) => v !== null)
    const at = (test: Record<string, unknown>) =>
      key.split('.').reduceRight<Record<string, unknown>>((inner, f) => ({ [f]: inner }), test)
    if (values.length === allowed.length) return at({ _in: values })
    // `_or` is a logical operator: it goes around fields, never under one.
    return { _or: [at({ _null: true }), ...(values.length ? [at({ _in: values })] : [])] }
  })
  return parts.length === 1 ? parts[0] : { _and: parts }
}

/** Visible when any rule of the collection matches (a rule without `when` matches all). */
function visibleFilter(rules: RouteRule[]): Record<string, unknown> | undefined {
  const filters = rules.map(whenFilter)
  if (filters.some((f) => f === undefined)) return undefined
  return filters.length === 1 ? filters[0] : { _or: filters }
}

const hhmmss = (at: Date) => at.toISOString().slice(11, 19)

export async function reconcileDirectus(o: DirectusReconcileOptions): Promise<ReconcileReport> {
  let requests = 0
  const base = o.url.replace(/\/+$/, '')
  const list = async (collection: string, query: Record<string, unknown>): Promise<Row[]> => {
    requests++
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query))
      params.set(key, typeof value === 'string' ? value : JSON.stringify(value))
    const answer = await requestJson(
      o.fetch,
      `${base}/items/${encodeURIComponent(collection)}?${params}`,
      { headers: { authorization: `Bearer ${o.token}`, accept: 'application/json' } },
      { origin: 'directus', retry: o.retry, signal: o.signal },
    ).catch((error: unknown) => {
      throw forbiddenHint(error, collection)
    })
    return ((answer.body as { data?: Row[] } | null)?.data ?? []).filter(
      (r) => typeof r === 'object' && r !== null,
    )
  }
  const report: ReconcileReport = {
    source: 'directus',
    requests: 0,
    items: 0,
    events: [],
    seeded: 0,
    collections: [],
  }
  const collections = [
    ...new Set(o.rules.filter((r) => r.source === 'directus').map((r) => r.collection)),
  ]
  const budget: Budget = { left: o.maxEvents }
  for (const collection of collections) {
    const rules = o.rules.filter((r) => r.source === 'directus' && r.collection === collection)
    const done = await reconcileCollection(o, collection, rules, list, report, budget)
    report.collections.push(done)
  }
  report.requests = requests
  return report
}

type List = (collection: string, query: Record<string, unknown>) => Promise<Row[]>

/** The visible-set sweep's position: ids after `after` are compared next (none: from the start). */
interface Sweep {
  after?: string | undefined
  /** The first sweep writes the route index instead of making events. */
  seeding: boolean
  /** Integer primary keys (compared as numbers in the store). */
  numeric?: boolean | undefined
}

/** Events left this run, across collections; what is over waits for the next run. */
interface Budget {
  left: number
}

type Candidate = { change: ItemChange; since: Date; row: number }

async function reconcileCollection(
  o: DirectusReconcileOptions,
  collection: string,
  rules: RouteRule[],
  list: List,
  report: ReconcileReport,
  budget: Budget,
) {
  const field = o.dateFields[collection] ?? o.dateField
  const cursorName = `directus:${collection}`
  const cursor = await readCursor(o.db, cursorName)
  let changed = { changed: 0, made: [] as string[], ids: new Set<string>() }
  if (!cursor) {
    const latest = await list(collection, {
      fields: `id,${field}`,
      sort: `-${field},-id`,
      limit: 1,
    })
    const top = latest[0]
    const at = top ? dated(top, field) : undefined
    // The sweep's first: a crash between the two must not leave a cursor and a sweep that
    // compares an empty route index (every page would look newly visible and be purged).
    await saveCursor<Sweep>(o.db, sweepName(collection), { seeding: true })
    await saveCursor(o.db, cursorName, {
      at: (at ?? new Date(0)).toISOString(),
      id: idOf(top?.id) ?? '',
    })
  } else {
    changed = await changedItems(o, { collection, rules, field, list, report, budget }, cursor)
  }
  const swept = await sweepVisible(
    o,
    { collection, rules, field, list, report, budget },
    changed.ids,
  )
  const made = [...changed.made, ...swept.made]
  report.events.push(...made)
  return { collection, changed: changed.changed, visible: swept.visible, made: made.length }
}

interface Ctx {
  collection: string
  rules: RouteRule[]
  field: string
  list: List
  report: ReconcileReport
  budget: Budget
}

const sweepName = (collection: string) => `directus-visible:${collection}`

const dated = (row: Row, field: string) => {
  const at = row[field]
  return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? new Date(at) : undefined
}

const and = (...filters: (Record<string, unknown> | undefined)[]) => {
  const present = filters.filter((f) => f !== undefined)
  return present.length > 1 ? { _and: present } : present[0]
}

/** Ids per visibility check: a GET URL stays short even with UUID keys. */
const IDS_PER_CHECK = 50

/** The changed items since the cursor, in (date, id) order; the cursor stops before the cap. */
async function changedItems(o: DirectusReconcileOptions, c: Ctx, cursor: ReconcileCursor) {
  const rows = await c.list(c.collection, {
    fields: `id,${c.field}`,
    sort: `${c.field},id`,
    limit: String(o.maxItems),
    filter: afterCursor(c.field, cursor),
  })
  c.report.items += rows.length
  const indexed = rows.length ? await indexedItems(o.db, 'directus', c.collection) : new Map()
  // Only an item not indexed needs asking whether it shows: an indexed one purges its old URL.
  const unknown = rows.flatMap((r) => {
    const id = idOf(r.id)
    return id && !indexed.has(id) ? [id] : []
  })
  const visible = new Set<string>()
  const filter = visibleFilter(c.rules)
  for (let i = 0; i < unknown.length; i += IDS_PER_CHECK) {
    const ids = unknown.slice(i, i + IDS_PER_CHECK)
    if (!filter) for (const id of ids) visible.add(id)
    else
      for (const r of await c.list(c.collection, {
        fields: 'id',
        limit: String(ids.length),
        filter: and(filter, { id: { _in: ids } }),
      }))
        if (idOf(r.id)) visible.add(idOf(r.id) as string)
  }
  const candidates: Candidate[] = []
  rows.forEach((row, i) => {
    const id = idOf(row.id)
    const at = dated(row, c.field)
    // A draft edit (not shown before, not shown now) has nothing to purge.
    if (!id || !at || (!visible.has(id) && !indexed.has(id))) return
    const why = `changed at ${hhmmss(at)}, no webhook received`
    candidates.push({ change: itemChange(c.collection, id, 'update', why, at), since: at, row: i })
  })
  const { made, cut } = await makeEvents(o, c.collection, candidates, c.budget)
  // Over the cap: the cursor stays before the first item left out, which the next run reads.
  const upTo = cut === undefined ? rows.length - 1 : (candidates[cut]?.row ?? 0) - 1
  const last = rows[upTo]
  const lastAt = last ? dated(last, c.field) : undefined
  if (last && lastAt)
    await saveCursor(o.db, `directus:${c.collection}`, {
      at: lastAt.toISOString(),
      id: idOf(last.id) ?? '',
    })
  return { changed: rows.length, made, ids: new Set(candidates.map((x) => x.change.id)) }
}

/**
 * The visible-set sweep: at most `pagesPerRun` pages of the ids the routes show, by primary
 * key, each compared with the route index over the same id range; at the end the range closes
 * to +∞ and the sweep starts again, so each item is compared once per full sweep.
 */
async function sweepVisible(o: DirectusReconcileOptions, c: Ctx, skip: Set<string>) {
  const name = sweepName(c.collection)
  let sweep = (await readCursor<Sweep>(o.db, name)) ?? { seeding: false }
  const filter = visibleFilter(c.rules)
  const made: string[] = []
  let visible = 0
  for (let page = 0; page < o.pagesPerRun; page++) {
    if (!sweep.seeding && c.budget.left <= 0) break
    const after = sweep.after
    const pageFilter = and(filter, after === undefined ? undefined : { id: { _gt: after } })
    const rows = await c.list(c.collection, {
      fields: `id,${c.field}`,
      sort: 'id',
      limit: String(o.pageSize),
      ...(pageFilter ? { filter: pageFilter } : {}),
    })
    c.report.items += rows.length
    visible += rows.length
    const ids = rows.flatMap((r) => (idOf(r.id) ? [[idOf(r.id) as string, r] as const] : []))
    const end = rows.length < o.pageSize
    const upTo = end ? undefined : ids.at(-1)?.[0]
    const numeric = rows.length ? typeof rows[0]?.id === 'number' : (sweep.numeric ?? false)
    if (sweep.seeding) {
      const changes = ids.map(([id]) =>
        itemChange(c.collection, id, 'update', 'seeding the route index'),
      )
      if (changes.length) await o.seed(changes, o.signal)
      c.report.seeded += changes.length
    } else {
      const range = { after, upTo, numeric }
      const indexed = await indexedItemsIn(o.db, 'directus', c.collection, range)
      const shown = new Map(ids)
      const candidates: Candidate[] = []
      for (const [id, row] of ids) {
        if (indexed.has(id) || skip.has(id)) continue
        const at = dated(row, c.field) ?? o.now()
        const why = `matches the routes now (changed at ${hhmmss(at)}), no webhook received`
        candidates.push({
          change: itemChange(c.collection, id, 'publish', why, at),
          since: at,
          row: 0,
        })
      }
      for (const [id, since] of indexed) {
        if (shown.has(id) || skip.has(id)) continue
        const why = 'no longer matches the routes or was deleted, no webhook received'
        candidates.push({
          change: itemChange(c.collection, id, 'update', why, since),
          since,
          row: 0,
        })
      }
      const taken = await makeEvents(o, c.collection, candidates, c.budget)
      made.push(...taken.made)
      // Over the cap: the sweep stays before this page; what it made is covered next time.
      if (taken.cut !== undefined) break
    }
    sweep = end ? { seeding: false, numeric } : { after: upTo, seeding: sweep.seeding, numeric }
    await saveCursor<Sweep>(o.db, name, sweep)
    if (end) break
  }
  return { visible, made }
}

/** Strictly after (date, id): a bulk update that gave many items one date is read in pages. */
function afterCursor(field: string, cursor: ReconcileCursor) {
  return {
    _or: [
      { [field]: { _gt: cursor.at } },
      { _and: [{ [field]: { _eq: cursor.at } }, { id: { _gt: cursor.id } }] },
    ],
  }
}

function itemChange(
  collection: string,
  id: string,
  action: ChangeAction,
  reason: string,
  at?: Date,
): ItemChange {
  return {
    kind: 'item',
    source: 'directus',
    collection,
    id,
    action,
    provenance: {
      topic: 'reconcile',
      reason,
      ...(at ? { deliveryKey: `reconcile:${collection}:${id}:${at.toISOString()}` } : {}),
    },
  }
}

/** Makes the candidates no event covers yet, up to the budget; `cut`: the first one left out. */
async function makeEvents(
  o: DirectusReconcileOptions,
  collection: string,
  candidates: Candidate[],
  budget: Budget,
): Promise<{ made: string[]; cut: number | undefined }> {
  const covered = await coveredItems(
    o.db,
    ['directus', RECONCILE_SOURCE],
    candidates.map((c) => ({ collection, id: c.change.id, since: c.since })),
  )
  const fresh = candidates.flatMap((_, i) => (covered.has(i) ? [] : [i]))
  const kept = fresh.slice(0, Math.max(0, budget.left))
  budget.left -= kept.length
  const receivedAt = o.now()
  const results = await Promise.all(
    kept.map((i) => {
      const change = (candidates[i] as Candidate).change
      return o.accept({
        id: randomUUID(),
        source: RECONCILE_SOURCE,
        receivedAt,
        bodyDigest: `sha256:${hash('sha256', JSON.stringify(change))}`,
        deliveryKey: change.provenance?.deliveryKey,
        changes: [change],
      })
    }),
  )
  return { made: results.filter((r) => !r.duplicate).map((r) => r.id), cut: fresh[kept.length] }
}

/** Directus answers 403 for a collection or field the token may not read, as for a missing one. */
function forbiddenHint(error: unknown, collection: string): unknown {
  const status = (error as { status?: number }).status
  if (status !== 403) return error
  return new Error(
    `${(error as Error).message}; the token needs read on collection "${collection}" (fields id, the routes' fields and the change date field)`,
    { cause: error },
  )
}
