/**
 * What reconciliation keeps: a cursor per source and collection (how far the CMS's own change
 * dates were read), and the questions it asks of events and the route index. SQL only here.
 */
import type { Db } from './db.ts'

export const reconcileCursorsMigration = {
  version: 8,
  name: 'reconcile cursors',
  sql: `
    CREATE TABLE reconcile_cursors (
      name text PRIMARY KEY,
      cursor jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `,
}

/** Where reading a collection's changes reached: the CMS's date and the id, in that order. */
export interface ReconcileCursor {
  at: string
  id: string
}

/** A cursor is any JSON: Directus keeps a `ReconcileCursor`, Contentful its sync token. */
export async function readCursor<T = ReconcileCursor>(
  db: Db,
  name: string,
): Promise<T | undefined> {
  const rows = await db.query<{ cursor: T }>(
    'SELECT cursor FROM reconcile_cursors WHERE name = $1',
    [name],
  )
  return rows[0]?.cursor
}

export async function saveCursor<T = ReconcileCursor>(
  db: Db,
  name: string,
  cursor: T,
): Promise<void> {
  await db.query(
    `INSERT INTO reconcile_cursors (name, cursor) VALUES ($1, $2::jsonb)
     ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    [name, JSON.stringify(cursor)],
  )
}

/** The ids the route index holds for a collection, with when each was last written. */
export async function indexedItems(
  db: Db,
  source: string,
  collection: string,
): Promise<Map<string, Date>> {
  const rows = await db.query<{ item_id: string; updated_at: Date }>(
    `SELECT item_id, max(updated_at) AS updated_at FROM route_index
     WHERE source = $1 AND collection = $2 GROUP BY item_id`,
    [source, collection],
  )
  return new Map(rows.map((r) => [r.item_id, new Date(r.updated_at)]))
}

/** A range of a collection's primary keys, `(after, upTo]`; undefined ends are open. */
export interface IdRange {
  after?: string | undefined
  upTo?: string | undefined
  /** Integer keys compare as numbers (Directus sorts them so); others as bytes (`COLLATE "C"`). */
  numeric: boolean
}

/** `indexedItems` for the ids in a range, in the order the CMS sorts its primary keys. */
export async function indexedItemsIn(
  db: Db,
  source: string,
  collection: string,
  range: IdRange,
): Promise<Map<string, Date>> {
  // CASE guards the cast: a non-integer id in an integer-keyed collection is never in range.
  const cmp = (op: string, param: string) =>
    range.numeric
      ? `CASE WHEN item_id ~ '^-?[0-9]+$' THEN item_id::numeric ${op} ${param}::numeric ELSE false END`
      : `item_id COLLATE "C" ${op} ${param}::text COLLATE "C"`
  const rows = await db.query<{ item_id: string; updated_at: Date }>(
    `SELECT item_id, max(updated_at) AS updated_at FROM route_index
     WHERE source = $1 AND collection = $2
       AND ($3::text IS NULL OR ${cmp('>', '$3')})
       AND ($4::text IS NULL OR ${cmp('<=', '$4')})
     GROUP BY item_id`,
    [source, collection, range.after ?? null, range.upTo ?? null],
  )
  return new Map(rows.map((r) => [r.item_id, new Date(r.updated_at)]))
}

export interface SeenItem {
  collection: string
  id: string
  /** The change the CMS dated; an event received at or after it already covers it. */
  since: Date
}

/**
 * Which items some event of these sources already covers, by index: one received at or after
 * the item's date, or one not planned yet (its plan reads the item as it is now). An event
 * planned before the change (still purging, say) does not cover it.
 */
export async function coveredItems(
  db: Db,
  sources: readonly string[],
  items: readonly SeenItem[],
): Promise<Set<number>> {
  if (items.length === 0) return new Set()
  const rows = await db.query<{ i: string | number }>(
    `SELECT t.i FROM unnest($2::text[], $3::text[], $4::timestamptz[])
       WITH ORDINALITY AS t(collection, id, since, i)
     WHERE EXISTS (
       SELECT 1 FROM events e LEFT JOIN batches b ON b.id = e.batch_id
       WHERE e.source = ANY($1::text[])
         -- Not planned yet: its plan will read the item as it is now. A batched event's status
         -- is its batch's (the event row keeps the one it was claimed in).
         AND (e.received_at >= t.since
              OR coalesce(b.status, e.status) IN ('received', 'scheduled'))
         AND e.changes @> jsonb_build_array(
           jsonb_build_object('kind', 'item', 'collection', t.collection, 'id', t.id)))`,
    [
      sources,
      items.map((item) => item.collection),
      items.map((item) => item.id),
      items.map((item) => item.since.toISOString()),
    ],
  )
  return new Set(rows.map((row) => Number(row.i) - 1))
}

export interface SeenRevision extends SeenItem {
  /** The CMS's revision of what it publishes now (Contentful `sys.revision`). */
  revision: number
}

/**
 * Which published revisions some event of these sources already covers, by index: one whose
 * change on the item carries that revision or a later one (a webhook delivered it). A change
 * that carries no revision (an older event) covers by time, as `coveredItems`; an event that
 * carries an older revision does not cover, even unplanned: its plan would use the older fields.
 */
export async function coveredRevisions(
  db: Db,
  sources: readonly string[],
  items: readonly SeenRevision[],
): Promise<Set<number>> {
  if (items.length === 0) return new Set()
  const rows = await db.query<{ i: string | number }>(
    `SELECT t.i FROM unnest($2::text[], $3::text[], $4::int[], $5::timestamptz[])
       WITH ORDINALITY AS t(collection, id, revision, since, i)
     WHERE EXISTS (
       SELECT 1 FROM events e LEFT JOIN batches b ON b.id = e.batch_id,
         jsonb_array_elements(e.changes) AS c(change)
       WHERE e.source = ANY($1::text[])
         AND e.changes @> jsonb_build_array(
           jsonb_build_object('kind', 'item', 'collection', t.collection, 'id', t.id))
         AND c.change->>'kind' = 'item' AND c.change->>'collection' = t.collection
         AND c.change->>'id' = t.id
         AND CASE WHEN jsonb_typeof(c.change->'revision') = 'number'
               THEN (c.change->>'revision')::int >= t.revision
               ELSE e.received_at >= t.since
                 OR coalesce(b.status, e.status) IN ('received', 'scheduled')
             END)`,
    [
      sources,
      items.map((item) => item.collection),
      items.map((item) => item.id),
      items.map((item) => item.revision),
      items.map((item) => item.since.toISOString()),
    ],
  )
  return new Set(rows.map((row) => Number(row.i) - 1))
}

/**
 * The collections freshet knows these ids by, from the route index (routed items) and the
 * parent edges (components a walk went through): a CMS that names only the id of what it
 * deleted (Contentful's `DeletedEntry`) is matched to what its delete must purge.
 */
export async function knownCollections(
  db: Db,
  source: string,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  if (ids.length === 0) return new Map()
  const rows = await db.query<{ id: string; collection: string }>(
    `SELECT item_id AS id, collection FROM route_index
       WHERE source = $1 AND item_id = ANY($2::text[])
     UNION
     SELECT child_id AS id, child_collection AS collection FROM parent_edges
       WHERE source = $1 AND child_id = ANY($2::text[])`,
    [source, ids],
  )
  const found = new Map<string, string[]>()
  for (const row of rows) found.set(row.id, [...(found.get(row.id) ?? []), row.collection])
  return found
}
