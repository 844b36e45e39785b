/**
 * The parents walk, remembered: after each walk, the routed items each changed item reached are
 * stored as child → parent edges; a deleted item (whose references the CMS has removed by the
 * time its webhook arrives) purges the parents it had, read from those edges.
 */
import type { ItemChange } from '../core/domain.ts'
import type { Db } from '../store/db.ts'
import { type ItemKey, type ParentEdge, parentsOf } from '../store/parent-edges.ts'
import { GONE_ACTIONS, type ItemOutcome } from './assemble.ts'
import type { FoundParent, PlannerSource } from './source.ts'

/** Edges from this walk: each changed item to each routed parent whose chain starts at it. */
export function walkedEdges(
  source: string,
  changes: readonly ItemChange[],
  parents: readonly FoundParent[],
): { children: ItemKey[]; edges: ParentEdge[] } {
  const children = changes.map((c) => ({ source, collection: c.collection, id: c.id }))
  const byKey = new Map(children.map((c) => [`${c.collection}:${c.id}`, c]))
  const edges = parents.flatMap((p) => {
    const child = byKey.get(p.chain.split(' ← ')[0] ?? '')
    return child ? [{ child, parent: { collection: p.collection, id: p.id }, chain: p.chain }] : []
  })
  return { children, edges }
}

/**
 * Edges from what routed items embed now (their plan's `children`), so deleting a component
 * that was never edited while freshet ran still finds its pages.
 */
export async function embeddedEdges(
  source: PlannerSource,
  changes: readonly ItemChange[],
  isRouted: (collection: string) => boolean,
  signal?: AbortSignal,
): Promise<{ parents: ItemKey[]; edges: ParentEdge[] } | undefined> {
  const pages = changes.filter((c) => isRouted(c.collection) && !GONE_ACTIONS.has(c.action))
  if (!source.children || pages.length === 0) return undefined
  const links = await source.children(
    pages.map((c) => ({ collection: c.collection, id: c.id })),
    signal,
  )
  const key = (ref: { collection: string; id: string }) => `${ref.collection}:${ref.id}`
  return {
    parents: pages.map((c) => ({ source: source.name, collection: c.collection, id: c.id })),
    edges: links.map((l) => ({
      child: { source: source.name, ...l.child },
      parent: l.parent,
      chain: `${key(l.child)} ← ${key(l.parent)}`,
    })),
  }
}

/** The routed parents deleted items had when last walked, as they are now. */
export async function parentsBeforeDelete(
  db: Db,
  source: PlannerSource,
  changes: readonly ItemChange[],
  signal?: AbortSignal,
): Promise<ItemOutcome[]> {
  const gone = changes.filter((c) => GONE_ACTIONS.has(c.action))
  const edges = await parentsOf(
    db,
    gone.map((c) => ({ source: source.name, collection: c.collection, id: c.id })),
  )
  if (edges.length === 0) return []
  const asChanges: ItemChange[] = edges.map((e) => ({
    kind: 'item',
    source: source.name,
    collection: e.parent.collection,
    id: e.parent.id,
    action: 'update',
  }))
  const current = await source.current(asChanges, signal)
  return edges.map((e) => ({
    source: source.name,
    collection: e.parent.collection,
    id: e.parent.id,
    action: 'parent',
    views: current.get(`${e.parent.collection}:${e.parent.id}`) ?? null,
    old: [],
    chain: `${e.chain} (embedded before the delete)`,
  }))
}
