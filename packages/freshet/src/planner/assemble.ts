/**
 * Turning what the planner learned into a plan. Pure: given each changed item's current views
 * (or that it is gone), what the route index held, and the parents found, it adds paths and tags
 * with their reasons and says what the route index should now hold.
 */
import type { ItemChange, PurgeChange } from '../core/domain.ts'
import type { PlanBuilder } from '../core/plan-merge.ts'
import {
  type RouteItem,
  type RouteRule,
  renderItemRoutes,
  rulesFor,
  staticRoutes,
} from '../core/routes.ts'
import type { IndexedRoutes, IndexWrite } from './route-index.ts'

/** Actions after which the item has no page any more: purge what the index holds. */
export const GONE_ACTIONS: ReadonlySet<ItemChange['action']> = new Set([
  'delete',
  'unpublish',
  'archive',
])

export interface ItemOutcome {
  source: string
  collection: string
  id: string
  action: ItemChange['action'] | 'parent'
  /** The item as it is now, one view per locale; null when it is gone. */
  views: RouteItem[] | null
  /** What the route index held for it. */
  old: IndexedRoutes[]
  /** For a parent: the chain from the changed item, e.g. `cta:7 ← pages:3`. */
  chain?: string
}

export function addPurge(builder: PlanBuilder, change: PurgeChange): void {
  const reason = { kind: 'explicit' as const, detail: `${change.source}: given` }
  for (const path of change.paths) builder.addPath(path, reason)
  for (const tag of change.tags) builder.addTag(tag, reason)
}

/** Adds one item's routes (rule or parent), old routes and static paths; returns its index write. */
export function addItem(
  builder: PlanBuilder,
  rules: readonly RouteRule[],
  item: ItemOutcome,
): IndexWrite | undefined {
  if (rulesFor(rules, item.source, item.collection).length === 0) return undefined
  const label = `${item.collection}:${item.id}`
  const current = (item.views ?? []).map((view) => ({
    view,
    routes: renderItemRoutes(rules, view),
  }))
  const reason = item.chain
    ? { kind: 'parent' as const, detail: item.chain }
    : { kind: 'rule' as const, detail: `${label} ${item.action}` }
  for (const { view, routes } of current) {
    const detail = view.locale ? `${reason.detail} (${view.locale})` : reason.detail
    for (const path of routes.paths) builder.addPath(path, { ...reason, detail })
    for (const tag of routes.tags) builder.addTag(tag, { ...reason, detail })
    for (const note of routes.notes) builder.note(note)
  }
  addOldRoutes(
    builder,
    item,
    new Set(current.flatMap((c) => [...c.routes.paths, ...c.routes.tags])),
  )
  const hasRoutes = current.some((c) => c.routes.paths.length + c.routes.tags.length > 0)
  // Listings change when an item joins or leaves them; a draft that never had routes changes none.
  if (hasRoutes || item.old.length > 0 || item.views === null)
    addStatic(builder, rules, item, reason.detail)
  const routes = current.map(({ view, routes }) => ({
    locale: view.locale ?? '',
    paths: routes.paths,
    tags: routes.tags,
  }))
  return { source: item.source, collection: item.collection, id: item.id, routes }
}

function addOldRoutes(builder: PlanBuilder, item: ItemOutcome, stillThere: Set<string>): void {
  const why = item.views === null ? `${item.action}` : 'route changed'
  for (const old of item.old) {
    const detail = `${item.collection}:${item.id}${old.locale ? ` (${old.locale})` : ''} ${why}`
    for (const path of old.paths)
      if (!stillThere.has(path)) builder.addPath(path, { kind: 'old-route', detail })
    for (const tag of old.tags)
      if (!stillThere.has(tag)) builder.addTag(tag, { kind: 'old-route', detail })
  }
}

function addStatic(
  builder: PlanBuilder,
  rules: readonly RouteRule[],
  item: ItemOutcome,
  detail: string,
): void {
  const fixed = staticRoutes(rules, item.source, item.collection)
  for (const path of fixed.paths) builder.addPath(path, { kind: 'static', detail })
  for (const tag of fixed.tags) builder.addTag(tag, { kind: 'static', detail })
}
