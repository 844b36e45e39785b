/**
 * Child → parent edges, kept from each plan's parents walk: which routed items embedded an item
 * when it last changed. A delete's webhook carries no fields and the CMS has removed the
 * references by then, so these edges are how a deleted component still purges its pages.
 */
import type { Db } from './db.ts'

export const parentEdgesMigration = {
  version: 9,
  name: 'parent edges',
  sql: `
    CREATE TABLE parent_edges (
      source text NOT NULL,
      child_collection text NOT NULL,
      child_id text NOT NULL,
      parent_collection text NOT NULL,
      parent_id text NOT NULL,
      chain text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source, child_collection, child_id, parent_collection, parent_id)
    );
  `,
}

export interface ItemKey {
  source: string
  collection: string
  id: string
}

export interface ParentEdge {
  child: ItemKey
  parent: { collection: string; id: string }
  /** How the walk got there: `cta:7 ← sections:4 ← pages:3`. */
  chain: string
}

const KEYS = `SELECT * FROM jsonb_to_recordset($1::jsonb) AS k(source text, collection text, id text)`
const keysJson = (keys: readonly ItemKey[]) => JSON.stringify(keys)

/** The routed parents these items had, as last walked. One query. */
export async function parentsOf(db: Db, children: readonly ItemKey[]): Promise<ParentEdge[]> {
  if (children.length === 0) return []
  const rows = await db.query<{
    source: string
    child_collection: string
    child_id: string
    parent_collection: string
    parent_id: string
    chain: string
  }>(
    `SELECT source, child_collection, child_id, parent_collection, parent_id, chain
     FROM parent_edges WHERE (source, child_collection, child_id) IN (${KEYS})`,
    [keysJson(children)],
  )
  return rows.map((r) => ({
    child: { source: r.source, collection: r.child_collection, id: r.child_id },
    parent: { collection: r.parent_collection, id: r.parent_id },
    chain: r.chain,
  }))
}

/**
 * Replaces the edges of these walked children with what this walk found (a child no longer
 * embedded loses its edge; a deleted child, walked with no parents, loses them all).
 */
export async function replaceEdges(
  db: Db,
  children: readonly ItemKey[],
  edges: readonly ParentEdge[],
): Promise<void> {
  if (children.length === 0) return
  await db.transaction(async (tx) => {
    await tx.query(
      `DELETE FROM parent_edges WHERE (source, child_collection, child_id) IN (${KEYS})`,
      [keysJson(children)],
    )
    await insertEdges(tx, edges)
  })
}

/**
 * Replaces the one-hop edges into these parents with what they embed now (`children` of a
 * page's plan): a component taken off the page loses its edge, one still on it keeps it. Edges
 * a child's walk recorded through several hops are left as they are.
 */
export async function replaceDirectChildren(
  db: Db,
  parents: readonly ItemKey[],
  edges: readonly ParentEdge[],
): Promise<void> {
  if (parents.length === 0) return
  await db.transaction(async (tx) => {
    await tx.query(
      `DELETE FROM parent_edges WHERE (source, parent_collection, parent_id) IN (${KEYS})
         AND chain NOT LIKE '% ← % ← %'`,
      [keysJson(parents)],
    )
    await insertEdges(tx, edges)
  })
}

async function insertEdges(db: Db, edges: readonly ParentEdge[]) {
  if (edges.length === 0) return
  const rows = edges.map((e) => ({
    source: e.child.source,
    child_collection: e.child.collection,
    child_id: e.child.id,
    parent_collection: e.parent.collection,
    parent_id: e.parent.id,
    chain: e.chain,
  }))
  await db.query(
    `INSERT INTO parent_edges (source, child_collection, child_id, parent_collection, parent_id, chain)
     SELECT r.source, r.child_collection, r.child_id, r.parent_collection, r.parent_id, r.chain
     FROM jsonb_to_recordset($1::jsonb) AS r(source text, child_collection text, child_id text,
       parent_collection text, parent_id text, chain text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(rows)],
  )
}
