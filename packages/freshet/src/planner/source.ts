/** What the planner needs from a CMS: items as they are now, and the routed items above them. */
import type { ItemChange, PlanNote } from '../core/domain.ts'
import type { RouteItem } from '../core/routes.ts'
import type { ItemRef } from './parents.ts'

export interface FoundParent {
  collection: string
  id: string
  views: RouteItem[]
  chain: string
}

export interface PlannerSource {
  readonly name: string
  /** Each changed item's views now (one per locale), null when gone; by `collection:id`. */
  current(changes: ItemChange[], signal?: AbortSignal): Promise<Map<string, RouteItem[] | null>>
  parents(
    items: ItemRef[],
    signal?: AbortSignal,
  ): Promise<{ parents: FoundParent[]; notes: PlanNote[] }>
  /** What these routed items embed directly, for the edge table (optional: Directus has it). */
  children?(items: ItemRef[], signal?: AbortSignal): Promise<{ parent: ItemRef; child: ItemRef }[]>
}
