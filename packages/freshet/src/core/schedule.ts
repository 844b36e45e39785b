import { z } from 'zod'
import type { ContentChange } from './domain.ts'

/**
 * Scheduled publishing, the pure part. A collection may name a publish-date field: an item whose
 * date is still ahead is not live yet, so its invalidation waits until then (a delayed job), and
 * a periodic sweep catches items that went live without any webhook (a Directus cron Flow that
 * flips a status emits no event unless "Emit events" is on). No I/O here.
 */

export const publishDateRule = z.strictObject({
  collection: z.string().min(1).describe('Directus collection (or Contentful content type)'),
  field: z
    .string()
    .min(1)
    .describe('Field holding the publish date, e.g. date_published (ISO 8601; no zone means UTC)'),
  idField: z.string().min(1).default('id').describe('Primary key field of the collection'),
})

/** `sources.directus.schedule` in freshet.yaml. */
export const publishSchedule = z.strictObject({
  collections: z
    .array(publishDateRule)
    .default([])
    .describe('Collections whose items go live at a date held in one of their fields'),
  sweepIntervalSeconds: z
    .number()
    .int()
    .min(10)
    .default(60)
    .describe('How often to ask Directus which items went live since the last sweep'),
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .default(120)
    .describe('Each sweep reaches this far before the previous one, for clock skew and slow saves'),
})

export type PublishDateRule = z.infer<typeof publishDateRule>
export type PublishSchedule = z.infer<typeof publishSchedule>

/** A route may name the field too: `routes[].publishDateField`. */
export interface RouteWithPublishDate {
  collection: string
  publishDateField?: string
}

/** Rules from the schedule block and the routes; the schedule block wins for a collection. */
export function publishDateRules(
  schedule: Pick<PublishSchedule, 'collections'> | undefined,
  routes: readonly RouteWithPublishDate[] = [],
): PublishDateRule[] {
  const byCollection = new Map<string, PublishDateRule>()
  for (const route of routes) {
    if (route.publishDateField) {
      byCollection.set(route.collection, {
        collection: route.collection,
        field: route.publishDateField,
        idField: 'id',
      })
    }
  }
  for (const rule of schedule?.collections ?? []) byCollection.set(rule.collection, rule)
  return [...byCollection.values()]
}

/**
 * Parses a publish date as Directus sends it: `2026-05-01T10:00:00.000Z` (timestamp),
 * `2026-05-01T10:00:00` (datetime, no zone: read as UTC so the answer does not depend on the
 * server's zone) or `2026-05-01` (date). Contentful's locale-keyed value takes its first locale.
 */
export function parsePublishDate(value: unknown): Date | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return parsePublishDate(Object.values(value)[0])
  }
  if (typeof value !== 'string') return undefined
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/
  const match = iso.exec(value.trim())
  if (!match) return undefined
  const text = value.trim().replace(' ', 'T')
  const zoned = match[1] ? text : text.includes('T') ? `${text}Z` : `${text}T00:00:00Z`
  const date = new Date(zoned)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/**
 * The dedupe key of "this item went live at this moment": the same for the sweep and the delayed
 * purge scheduled from a webhook, so the store, deduping on (source, deliveryKey), takes it once.
 */
export function publishDeliveryKey(collection: string, id: string, publishAt: Date): string {
  return `publish:${collection}:${id}:${publishAt.toISOString()}`
}

/** The rules, or a schedule block holding them. */
export type ScheduleConfig =
  | readonly Pick<PublishDateRule, 'collection' | 'field'>[]
  | { collections: readonly Pick<PublishDateRule, 'collection' | 'field'>[] }

const LIVE_ACTIONS = new Set(['create', 'update', 'publish'])

/**
 * When the change should be invalidated, if that is later than `now`: `{ at }` for a create,
 * update or publish whose publish-date field holds a future date; otherwise `undefined`
 * (invalidate now). Deletes and unpublishes never wait: the page must go at once.
 */
export function scheduleFor(
  change: ContentChange,
  config: ScheduleConfig,
  now: Date,
): { at: Date } | undefined {
  if (change.kind !== 'item' || !LIVE_ACTIONS.has(change.action)) return undefined
  const rules = 'collections' in config ? config.collections : config
  const rule = rules.find((r) => r.collection === change.collection)
  if (!rule || !change.fields || !(rule.field in change.fields)) return undefined
  const at = parsePublishDate(change.fields[rule.field])
  return at && at.getTime() > now.getTime() ? { at } : undefined
}
