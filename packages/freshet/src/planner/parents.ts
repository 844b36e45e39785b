/** What the parent walkers share: their answer and the bookkeeping of a breadth-first walk. */
import type { PlanNote } from '../core/domain.ts'

/** A routed item found above a changed one; `chain` reads `cta:7 ← sections:4 ← pages:3`. */
export interface ParentHit {
  collection: string
  id: string
  /** Directus: plain values; Contentful: keyed by locale. */
  fields: Record<string, unknown>
  chain: string
}

export interface ParentsResult {
  parents: ParentHit[]
  notes: PlanNote[]
}

export interface ItemRef {
  collection: string
  id: string
}

export interface WalkOptions {
  depthLimit: number
  /** Keep climbing above an item that has routes (a page embedded in another page). */
  throughRoutedItems: boolean
  signal?: AbortSignal | undefined
}

export const keyOf = (collection: string, id: string) => `${collection}:${id}`

/** Frontier of one level: collection → id → chain that led there. */
export type Frontier = Map<string, Map<string, string>>

/** Breadth-first bookkeeping: cycle-safe (each item once), routed hits, next frontier. */
export function createWalk(
  start: ItemRef[],
  options: WalkOptions,
  isRouted: (c: string) => boolean,
) {
  const seen = new Set(start.map((s) => keyOf(s.collection, s.id)))
  const hits = new Map<string, ParentHit>()
  let next: Frontier = new Map()
  const add = (frontier: Frontier, ref: ItemRef, chain: string) => {
    const ids = frontier.get(ref.collection) ?? new Map<string, string>()
    ids.set(ref.id, chain)
    frontier.set(ref.collection, ids)
  }
  let frontier: Frontier = new Map()
  for (const s of start) add(frontier, s, keyOf(s.collection, s.id))
  return {
    frontier: () => frontier,
    /** Records a parent reached from a child's chain; returns false when already seen. */
    reach(parent: ItemRef, fields: Record<string, unknown>, childChain: string): void {
      const key = keyOf(parent.collection, parent.id)
      if (seen.has(key)) return
      seen.add(key)
      const chain = `${childChain} ← ${key}`
      const routed = isRouted(parent.collection)
      if (routed) hits.set(key, { ...parent, fields, chain })
      if (!routed || options.throughRoutedItems) add(next, parent, chain)
    },
    advance(): void {
      frontier = next
      next = new Map()
    },
    result(levels: number, origin: string): ParentsResult {
      const left = [...frontier.values()].reduce((n, ids) => n + ids.size, 0)
      const notes: PlanNote[] =
        left > 0
          ? [
              {
                level: 'warn',
                message: `${origin}: parents followed ${levels} levels (the depth limit); ${left} items above were not followed`,
              },
            ]
          : []
      return { parents: [...hits.values()], notes }
    },
  }
}
