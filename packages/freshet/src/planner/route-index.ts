/**
 * The route index: the last-known paths and tags of every routed item (per locale), so a slug
 * change, an unpublish or a delete purges the URL the page had (invariant 5). Webhooks for a
 * delete carry no fields; this is the only place the old URL is still known.
 */
import type { Db } from '../store/db.ts'

/** Register in the store's migrations (append only). */
export const routeIndexMigration = {
  name: 'route index',
  sql: `
    CREATE TABLE route_index (
      source text NOT NULL,
      collection text NOT NULL,
      item_id text NOT NULL,
      locale text NOT NULL DEFAULT '',
      paths text[] NOT NULL DEFAULT '{}',
      tags text[] NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source, collection, item_id, locale)
    );
  `,
}

export interface IndexKey {
  source: string
  collection: string
  id: string
}

export interface IndexedRoutes {
  /** '' when the item has no locale (Directus). */
  locale: string
  paths: string[]
  tags: string[]
}

/** An item's routes as they are now; an empty `routes` removes the item from the index. */
export interface IndexWrite extends IndexKey {
  routes: IndexedRoutes[]
}

export const indexKey = (k: IndexKey) => `${k.source}\u0000${k.collection}\u0000${k.id}`

const KEYS = `SELECT * FROM jsonb_to_recordset($1::jsonb) AS k(source text, collection text, item_id text)`

export interface RouteIndex {
  /** What the index holds for these items, by `indexKey`. One query. */
  lookup(keys: readonly IndexKey[]): Promise<Map<string, IndexedRoutes[]>>
  /** Replaces these items' entries (all locales) with their current routes. One transaction. */
  replace(writes: readonly IndexWrite[]): Promise<void>
}

const keysJson = (keys: readonly IndexKey[]) =>
  JSON.stringify(keys.map((k) => ({ source: k.source, collection: k.collection, item_id: k.id })))

export function routeIndex(db: Db, now: () => Date = () => new Date()): RouteIndex {
  return {
    async lookup(keys) {
      const found = new Map<string, IndexedRoutes[]>()
      if (keys.length === 0) return found
      const rows = await db.query<{
        source: string
        collection: string
        item_id: string
        locale: string
        paths: string[]
        tags: string[]
      }>(
        `SELECT r.source, r.collection, r.item_id, r.locale, r.paths, r.tags FROM route_index r
         WHERE (r.source, r.collection, r.item_id) IN (${KEYS}) ORDER BY r.locale`,
        [keysJson(keys)],
      )
      for (const row of rows) {
        const key = indexKey({ source: row.source, collection: row.collection, id: row.item_id })
        const routes = found.get(key) ?? []
        routes.push({ locale: row.locale, paths: row.paths, tags: row.tags })
        found.set(key, routes)
      }
      return found
    },
    async replace(writes) {
      if (writes.length === 0) return
      const rows = writes.flatMap((w) =>
        w.routes
          .filter((r) => r.paths.length + r.tags.length > 0)
          .map((r) => ({ source: w.source, collection: w.collection, item_id: w.id, ...r })),
      )
      await db.transaction(async (tx) => {
        await tx.query(`DELETE FROM route_index WHERE (source, collection, item_id) IN (${KEYS})`, [
          keysJson(writes),
        ])
        if (rows.length === 0) return
        await tx.query(
          `INSERT INTO route_index (source, collection, item_id, locale, paths, tags, updated_at)
           SELECT r.source, r.collection, r.item_id, r.locale,
                  ARRAY(SELECT jsonb_array_elements_text(r.paths)),
                  ARRAY(SELECT jsonb_array_elements_text(r.tags)), $2
           FROM jsonb_to_recordset($1::jsonb)
             AS r(source text, collection text, item_id text, locale text, paths jsonb, tags jsonb)`,
          [JSON.stringify(rows), now().toISOString()],
        )
      })
    },
  }
}
