/** The planner's view of Directus: item fields from the webhook or the REST API, and parents. */
import type { ItemChange } from '../../core/domain.ts'
import { neededFields, type RouteItem, type RouteRule, rulesFor } from '../../core/routes.ts'
import { GONE_ACTIONS } from '../../planner/assemble.ts'
import type { PlannerSource } from '../../planner/source.ts'
import type { DirectusApi, DirectusRelation } from './api.ts'
import { findDirectusChildren } from './children.ts'
import { findDirectusParents } from './parents.ts'

export interface DirectusSourceOptions {
  api: DirectusApi
  rules: readonly RouteRule[]
  depthLimit: number
  throughRoutedItems: boolean
  /** Relations change rarely: `GET /relations` is read again after this long. */
  relations: () => Promise<DirectusRelation[]>
}

/** The payload suffices when it carries every needed field, and none of them is nested. */
function payloadSuffices(fields: Record<string, unknown> | undefined, needed: string[]) {
  return fields !== undefined && needed.every((f) => !f.includes('.') && f in fields)
}

export function directusPlannerSource(options: DirectusSourceOptions): PlannerSource {
  const fieldsFor = (collection: string) => {
    const rules = rulesFor(options.rules, 'directus', collection)
    return rules.length > 0 ? neededFields(rules) : undefined
  }
  const view = (collection: string, id: string, fields: Record<string, unknown>): RouteItem => ({
    source: 'directus',
    collection,
    id,
    fields,
  })

  async function currentOf(change: ItemChange, signal?: AbortSignal): Promise<RouteItem[] | null> {
    if (GONE_ACTIONS.has(change.action)) return null
    const needed = fieldsFor(change.collection)
    if (!needed) return []
    if (payloadSuffices(change.fields, needed))
      return [view(change.collection, change.id, change.fields ?? {})]
    const item = await options.api.readItem(change.collection, change.id, ['id', ...needed], signal)
    return item ? [view(change.collection, change.id, item)] : null
  }

  return {
    name: 'directus',
    async current(changes, signal) {
      const entries = await Promise.all(
        changes.map(async (c) => [`${c.collection}:${c.id}`, await currentOf(c, signal)] as const),
      )
      return new Map(entries)
    },
    async parents(items, signal) {
      const found = await findDirectusParents(items, {
        api: options.api,
        relations: await options.relations(),
        fieldsFor,
        depthLimit: options.depthLimit,
        throughRoutedItems: options.throughRoutedItems,
        signal,
      })
      const parents = found.parents.map((p) => ({
        ...p,
        views: [view(p.collection, p.id, p.fields)],
      }))
      return { parents, notes: found.notes }
    },
    async children(items, signal) {
      return findDirectusChildren(items, options.api, await options.relations(), signal)
    },
  }
}
