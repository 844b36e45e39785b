/**
 * Directus reconciliation: what changed in Directus that no webhook delivered. For each routed
 * collection, one run reads
 * - the items changed since the cursor (`date_updated`, or the configured field), in (date, id)
 *   order, at most `maxItems`: an edit whose Flow failed, a cron Flow's flip with events off;
 * - the ids that match the routes' `when` now, compared with the route index: an item that became
 *   visible, or stopped being visible (unpublished, deleted while freshet was down).
 * Each such item whose change no event covers yet becomes an event of source `reconcile:directus`
 * whose change says why. The first run seeds: it sets the cursor and writes the route index of
 * what is visible, purging nothing.
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
  /** Most items read per collection and run (changed ones; the visible ids are read in full). */
  maxItems: number
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
  for (const collection of collections) {
    const rules = o.rules.filter((r) => r.source === 'directus' && r.collection === collection)
    const done = await reconcileCollection(o, collection, rules, list, report)
    report.collections.push(done)
  }
  report.requests = requests
  return report
}

type List = (collection: string, query: Record<string, unknown>) => Promise<Row[]>

async function reconcileCollection(
  o: DirectusReconcileOptions,
  collection: string,
  rules: RouteRule[],
  list: List,
  report: ReconcileReport,
) {
  const field = o.dateFields[collection] ?? o.dateField
  const cursorName = `directus:${collection}`
  const cursor = await readCursor(o.db, cursorName)
  const dated = (row: Row) => {
    const at = row[field]
    return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? new Date(at) : undefined
  }
  const filter = visibleFilter(rules)
  const visibleRows = await list(collection, {
    fields: `id,${field}`,
    limit: '-1',
    ...(filter ? { filter } : {}),
  })
  const visible = new Map(visibleRows.flatMap((r) => (idOf(r.id) ? [[idOf(r.id), r]] : [])))
  report.items += visibleRows.length
  if (!cursor) {
    const latest = await list(collection, {
      fields: `id,${field}`,
      sort: `-${field},-id`,
      limit: 1,
    })
    const seedChanges = [...visible.keys()].flatMap((id) =>
      id ? [itemChange(collection, id, 'update', 'seeding the route index')] : [],
    )
    for (let i = 0; i < seedChanges.length; i += o.maxItems)
      await o.seed(seedChanges.slice(i, i + o.maxItems), o.signal)
    report.seeded += seedChanges.length
    const top = latest[0]
    const at = top ? dated(top) : undefined
    await saveCursor(o.db, cursorName, {
      at: (at ?? new Date(0)).toISOString(),
      id: idOf(top?.id) ?? '',
    })
    return { collection, changed: 0, visible: visible.size, made: 0 }
  }
  const changedRows = await list(collection, {
    fields: `id,${field}`,
    sort: `${field},id`,
    limit: String(o.maxItems),
    filter: afterCursor(field, cursor),
  })
  report.items += changedRows.length
  const indexed = await indexedItems(o.db, 'directus', collection)
  const candidates = new Map<string, { change: ItemChange; since: Date }>()
  for (const row of changedRows) {
    const id = idOf(row.id)
    const at = dated(row)
    if (!id || !at) continue
    // A draft edit (not shown before, not shown now) has nothing to purge.
    if (!visible.has(id) && !indexed.has(id)) continue
    const why = `changed at ${hhmmss(at)}, no webhook received`
    candidates.set(id, { change: itemChange(collection, id, 'update', why, at), since: at })
  }
  for (const [id, row] of visible) {
    if (!id || indexed.has(id) || candidates.has(id)) continue
    const at = dated(row) ?? o.now()
    const why = `matches the routes now (changed at ${hhmmss(at)}), no webhook received`
    candidates.set(id, { change: itemChange(collection, id, 'publish', why, at), since: at })
  }
  for (const [id, since] of indexed) {
    if (visible.has(id) || candidates.has(id)) continue
    const why = 'no longer matches the routes or was deleted, no webhook received'
    candidates.set(id, { change: itemChange(collection, id, 'update', why, since), since })
  }
  const made = await makeEvents(o, collection, [...candidates.values()])
  report.events.push(...made)
  const last = changedRows.at(-1)
  const lastAt = last ? dated(last) : undefined
  if (last && lastAt)
    await saveCursor(o.db, cursorName, { at: lastAt.toISOString(), id: idOf(last.id) ?? '' })
  return { collection, changed: changedRows.length, visible: visible.size, made: made.length }
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

async function makeEvents(
  o: DirectusReconcileOptions,
  collection: string,
  candidates: { change: ItemChange; since: Date }[],
): Promise<string[]> {
  const covered = await coveredItems(
    o.db,
    ['directus', RECONCILE_SOURCE],
    candidates.map((c) => ({ collection, id: c.change.id, since: c.since })),
  )
  const fresh = candidates.filter((_, i) => !covered.has(i))
  const receivedAt = o.now()
  const results = await Promise.all(
    fresh.map(({ change }) =>
      o.accept({
        id: randomUUID(),
        source: RECONCILE_SOURCE,
        receivedAt,
        bodyDigest: `sha256:${hash('sha256', JSON.stringify(change))}`,
        deliveryKey: change.provenance?.deliveryKey,
        changes: [change],
      }),
    ),
  )
  return results.filter((r) => !r.duplicate).map((r) => r.id)
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
