import type { Db } from './db.ts'

/** Where the last sweep of this name reached; undefined before the first. */
export async function sweptUntil(db: Db, name: string): Promise<Date | undefined> {
  const rows = await db.query<{ swept_until: Date }>(
    'SELECT swept_until FROM sweep_watermarks WHERE name = $1',
    [name],
  )
  const at = rows[0]?.swept_until
  return at ? new Date(at) : undefined
}

/** Moves the watermark forward (never back: a slow, older sweep finishing late changes nothing). */
export async function saveSweptUntil(db: Db, name: string, until: Date): Promise<void> {
  await db.query(
    `INSERT INTO sweep_watermarks (name, swept_until) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE
       SET swept_until = greatest(sweep_watermarks.swept_until, excluded.swept_until),
           updated_at = now()`,
    [name, until.toISOString()],
  )
}

export interface PublishedItem {
  collection: string
  id: string
  publishAt: Date
}

/**
 * Which of these went-live items freshet has heard of already, by index: an event of `source`
 * that changed the same item and was received at or after its publish moment (a webhook from the
 * Flow that flipped it, or an earlier sweep), or one scheduled for exactly that moment.
 */
export async function alreadyHandled(
  db: Db,
  source: string,
  items: readonly PublishedItem[],
): Promise<Set<number>> {
  if (items.length === 0) return new Set()
  const rows = await db.query<{ i: string | number }>(
    `SELECT t.i FROM unnest($2::text[], $3::text[], $4::timestamptz[])
       WITH ORDINALITY AS t(collection, id, publish_at, i)
     WHERE EXISTS (
       SELECT 1 FROM events e
       WHERE e.source = $1
         AND (e.received_at >= t.publish_at OR e.not_before = t.publish_at)
         AND e.changes @> jsonb_build_array(
           jsonb_build_object('kind', 'item', 'collection', t.collection, 'id', t.id)))`,
    [
      source,
      items.map((item) => item.collection),
      items.map((item) => item.id),
      items.map((item) => item.publishAt.toISOString()),
    ],
  )
  return new Set(rows.map((row) => Number(row.i) - 1))
}
