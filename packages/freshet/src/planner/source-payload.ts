/**
 * A source without API access (not configured, or a generic CMS): items are what the webhook
 * carried, parents cannot be followed. The plan says so in a note.
 */
import { localizedViews, type RouteItem } from '../core/routes.ts'
import { GONE_ACTIONS } from './assemble.ts'
import type { PlannerSource } from './source.ts'

export function payloadPlannerSource(name: string, fallbackLocale: string): PlannerSource {
  const views = (collection: string, id: string, fields: Record<string, unknown>): RouteItem[] => {
    if (name !== 'contentful') return [{ source: name, collection, id, fields }]
    return localizedViews(fields, fallbackLocale).map((v) => ({
      source: name,
      collection,
      id,
      ...v,
    }))
  }
  return {
    name,
    async current(changes) {
      return new Map(
        changes.map((c) => [
          `${c.collection}:${c.id}`,
          GONE_ACTIONS.has(c.action) ? null : views(c.collection, c.id, c.fields ?? {}),
        ]),
      )
    },
    async parents(items) {
      if (items.length === 0) return { parents: [], notes: [] }
      const message = `${name}: no CMS API configured: fields come from the webhook only, parents were not followed`
      return { parents: [], notes: [{ level: 'warn', message }] }
    },
  }
}
