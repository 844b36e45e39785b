/** The planner's view of Contentful: locale-keyed entries from the webhook or the API, parents. */
import type { ItemChange } from '../../core/domain.ts'
import { localizedViews, type RouteItem, type RouteRule, rulesFor } from '../../core/routes.ts'
import { GONE_ACTIONS } from '../../planner/assemble.ts'
import type { PlannerSource } from '../../planner/source.ts'
import type { ContentfulApi } from './api.ts'
import { findContentfulParents } from './parents.ts'

export interface ContentfulSourceOptions {
  api: ContentfulApi
  rules: readonly RouteRule[]
  depthLimit: number
  throughRoutedItems: boolean
  fallbackLocale: string
  locales?: readonly string[] | undefined
}

export function contentfulPlannerSource(options: ContentfulSourceOptions): PlannerSource {
  const isRouted = (contentType: string) =>
    rulesFor(options.rules, 'contentful', contentType).length > 0
  /** One view per locale the entry has; `{locale}` is that locale. */
  const views = (collection: string, id: string, fields: Record<string, unknown>): RouteItem[] => {
    const localized = localizedViews(fields, options.fallbackLocale, options.locales)
    if (localized.length === 0) return [{ source: 'contentful', collection, id, fields: {} }]
    return localized.map((v) => ({ source: 'contentful', collection, id, ...v }))
  }

  async function currentOf(change: ItemChange, signal?: AbortSignal): Promise<RouteItem[] | null> {
    if (GONE_ACTIONS.has(change.action)) return null
    if (!isRouted(change.collection)) return []
    // A publish webhook carries the whole published entry; anything else is read from the API.
    if (change.fields && change.action === 'publish')
      return views(change.collection, change.id, change.fields)
    const kind = change.collection === 'Asset' ? 'asset' : 'entry'
    const entry = await options.api.entry(change.id, signal, kind)
    return entry ? views(change.collection, change.id, entry.fields) : null
  }

  return {
    name: 'contentful',
    async current(changes, signal) {
      const entries = await Promise.all(
        changes.map(async (c) => [`${c.collection}:${c.id}`, await currentOf(c, signal)] as const),
      )
      return new Map(entries)
    },
    async parents(items, signal) {
      const found = await findContentfulParents(items, {
        api: options.api,
        isRouted,
        depthLimit: options.depthLimit,
        throughRoutedItems: options.throughRoutedItems,
        signal,
      })
      const parents = found.parents.map((p) => ({
        ...p,
        views: views(p.collection, p.id, p.fields),
      }))
      return { parents, notes: found.notes }
    },
  }
}
