import type { ContentChange, ItemChange } from '../core/domain.ts'
import {
  type PublishDateRule,
  type PublishSchedule,
  publishDateRules,
  publishDeliveryKey,
  type RouteWithPublishDate,
  scheduleFor,
} from '../core/schedule.ts'
import type { Source, SourceDelivery } from '../sources/types.ts'

/**
 * Scheduled publishing at the door. A Directus create or update whose publish-date field is still
 * ahead is accepted now (durable, answered 202) but stored with `notBefore`: the collector leaves
 * it until then, so the pages are invalidated at the moment the item goes live. Its delivery key
 * is `publishDeliveryKey`, the one the sweep uses for the same item and moment, so the two dedupe
 * in the store. Contentful needs none of this: its scheduled actions fire a normal publish at the
 * time, marked by `provenance.scheduledActionId`.
 */

/** Directus' publish-date rules: `sources.directus.schedule` and `routes[].publishDateField`. */
export function directusPublishRules(
  schedule: Pick<PublishSchedule, 'collections'> | undefined,
  routes: readonly (RouteWithPublishDate & { source?: string | undefined })[],
): PublishDateRule[] {
  const mine = routes.filter((route) => !route.source || route.source === 'directus')
  return publishDateRules(schedule, mine)
}

/**
 * The delivery, delayed when every change in it waits for a future publish date (Directus sends
 * one payload for all the keys of a batch, so they share the date). A delivery with a change
 * that is live already is not delayed: what is live is invalidated now.
 */
export function scheduleDelivery(
  delivery: SourceDelivery,
  rules: readonly PublishDateRule[],
  now: Date,
): SourceDelivery {
  if (!('changes' in delivery) || delivery.changes.length === 0 || rules.length === 0) {
    return delivery
  }
  const times = delivery.changes.map((change) => scheduleFor(change, rules, now)?.at)
  if (times.some((at) => at === undefined)) return delivery
  const at = new Date(Math.max(...times.map((time) => time?.getTime() ?? 0)))
  const changes = delivery.changes.map((change) => withPublishAt(change, at))
  const only = changes.length === 1 ? (changes[0] as ItemChange) : undefined
  // One item: the key the sweep uses. Several: the sweep finds the event by `not_before`.
  const deliveryKey = only
    ? publishDeliveryKey(only.collection, only.id, at)
    : delivery.deliveryKey && `${delivery.deliveryKey}@${at.toISOString()}`
  return { changes, notBefore: at, ...(deliveryKey ? { deliveryKey } : {}) }
}

function withPublishAt(change: ContentChange, at: Date): ContentChange {
  if (change.kind !== 'item') return change
  return { ...change, provenance: { ...change.provenance, publishAt: at.toISOString() } }
}

/** A source whose deliveries are delayed to their publish dates. No rules: the source itself. */
export function withPublishSchedule(
  source: Source,
  rules: readonly PublishDateRule[],
  now: () => Date,
): Source {
  if (rules.length === 0) return source
  return {
    name: source.name,
    verify: (request) => source.verify(request),
    parse: (request) => scheduleDelivery(source.parse(request), rules, now()),
  }
}

/** The configured sources, Directus' wrapped with its publish-date rules. */
export function scheduledSources(
  sources: Map<string, Source>,
  rules: readonly PublishDateRule[],
  now: () => Date,
): Map<string, Source> {
  const directus = sources.get('directus')
  if (directus) sources.set('directus', withPublishSchedule(directus, rules, now))
  return sources
}
