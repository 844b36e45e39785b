/**
 * The planner: from a batch's changes to one plan. Explicit purges, route rules rendered from the
 * items as they are now, the routed parents above them, and what the route index held (so a slug
 * change or a delete purges the old URL). `simulate` plans the same way and writes nothing.
 */
import type { ContentChange, ItemChange, Plan, PlanNote } from '../core/domain.ts'
import { PlanBuilder } from '../core/plan-merge.ts'
import { matchesWhen, type RouteRule, rulesFor } from '../core/routes.ts'
import { contentfulApi } from '../sources/contentful/api.ts'
import { contentfulPlannerSource } from '../sources/contentful/planner-source.ts'
import { type DirectusRelation, directusApi } from '../sources/directus/api.ts'
import { directusPlannerSource } from '../sources/directus/planner-source.ts'
import type { Db } from '../store/db.ts'
import { replaceDirectChildren, replaceEdges } from '../store/parent-edges.ts'
import { addItem, addPurge, type ItemOutcome } from './assemble.ts'
import { type CmsRetry, defaultCmsRetry, type FetchLike, memoFetch } from './cms-http.ts'
import { embeddedEdges, parentsBeforeDelete, walkedEdges } from './edges.ts'
import { type IndexWrite, indexKey, routeIndex } from './route-index.ts'
import type { PlannerSource } from './source.ts'
import { payloadPlannerSource } from './source-payload.ts'

export { type PlannerConfig, plannerConfig } from './config.ts'
export { routeIndexMigration } from './route-index.ts'

export interface PlannerOptions {
  rules: readonly RouteRule[]
  db: Db
  directus?: { url: string; token: string; searchMethod?: boolean; maxUrlLength?: number }
  contentful?: {
    spaceId: string
    environment: string
    accessToken: string
    api?: 'delivery' | 'preview'
    host?: string | undefined
    fallbackLocale?: string
    /** The space's locales; absent: the locales each item's fields have. */
    locales?: string[]
  }
  depthLimit?: number
  throughRoutedItems?: boolean
  relationsTtlMs?: number
  retry?: CmsRetry
  fetch?: FetchLike
  now?: () => Date
}

export interface Planner {
  plan(changes: ContentChange[], signal?: AbortSignal): Promise<Plan>
  /** What `plan` would purge; leaves the route index as it is. */
  simulate(changes: ContentChange[], signal?: AbortSignal): Promise<Plan>
  /** Writes these items' routes to the route index, purging nothing (reconciliation's first run). */
  seed(changes: ItemChange[], signal?: AbortSignal): Promise<void>
}

/** The last change of each item wins (a create then a delete is a delete). */
function latestPerItem(changes: ItemChange[]): ItemChange[] {
  return [...new Map(changes.map((c) => [`${c.source}:${c.collection}:${c.id}`, c])).values()]
}

function groupBySource(changes: ItemChange[]): Map<string, ItemChange[]> {
  const groups = new Map<string, ItemChange[]>()
  for (const c of changes) groups.set(c.source, [...(groups.get(c.source) ?? []), c])
  return groups
}

/**
 * A changed item that exists but matches no route's `when` and had no routes: nothing to purge
 * now, said on the plan rather than ending as a silent "nothing to do" (a scheduled publish
 * planned before the cron Flow flipped its status, say).
 */
function notShownYet(
  rules: readonly RouteRule[],
  item: ItemOutcome,
  old: readonly unknown[],
): PlanNote | undefined {
  if (item.action === 'parent' || !item.views || item.views.length === 0 || old.length > 0)
    return undefined
  const own = rulesFor(rules, item.source, item.collection).filter((r) => r.when)
  if (own.length === 0 || item.views.some((v) => own.some((r) => matchesWhen(r, v.fields))))
    return undefined
  const when = own.map((r) => JSON.stringify(r.when)).join(' or ')
  return {
    level: 'info',
    message: `${item.collection}:${item.id} does not match the routes' when (${when}) yet: nothing to purge now; reconciliation purges it once it does, even without a webhook`,
  }
}

export function createPlanner(options: PlannerOptions): Planner {
  const index = routeIndex(options.db, options.now)
  const depthLimit = options.depthLimit ?? 5
  const throughRoutedItems = options.throughRoutedItems ?? false
  const retry = options.retry ?? defaultCmsRetry
  const fallbackLocale = options.contentful?.fallbackLocale ?? 'en-US'
  let relations: { at: number; value: Promise<DirectusRelation[]> } | undefined

  /** Per batch: one memoising fetch, so each URL is read once however many changes need it. */
  function sourcesFor(fetch: FetchLike, signal?: AbortSignal): Map<string, PlannerSource> {
    const sources = new Map<string, PlannerSource>()
    const common = { rules: options.rules, depthLimit, throughRoutedItems }
    if (options.directus) {
      const api = directusApi({ ...options.directus, fetch, retry })
      const cachedRelations = () => {
        const ttl = options.relationsTtlMs ?? 60_000
        if (!relations || Date.now() - relations.at > ttl) {
          const value = api.relations(signal)
          relations = { at: Date.now(), value }
          value.catch(() => (relations = undefined))
        }
        return relations.value
      }
      sources.set('directus', directusPlannerSource({ ...common, api, relations: cachedRelations }))
    }
    if (options.contentful) {
      const api = contentfulApi({ ...options.contentful, fetch, retry })
      sources.set(
        'contentful',
        contentfulPlannerSource({
          ...common,
          api,
          fallbackLocale,
          locales: options.contentful.locales,
        }),
      )
    }
    return sources
  }

  async function outcomesOf(
    source: PlannerSource,
    changes: ItemChange[],
    walk: boolean,
    signal?: AbortSignal,
  ) {
    const refs = changes.map((c) => ({ collection: c.collection, id: c.id }))
    const routed = (collection: string) =>
      rulesFor(options.rules, source.name, collection).length > 0
    const [current, found, embeds] = await Promise.all([
      source.current(changes, signal),
      walk ? source.parents(refs, signal) : { parents: [], notes: [] },
      embeddedEdges(source, changes, routed, signal),
    ])
    const items: ItemOutcome[] = changes.map((c) => ({
      source: source.name,
      collection: c.collection,
      id: c.id,
      action: c.action,
      views: current.get(`${c.collection}:${c.id}`) ?? null,
      old: [],
    }))
    const before = walk ? await parentsBeforeDelete(options.db, source, changes, signal) : []
    const parents: ItemOutcome[] = found.parents.map((p) => ({
      source: source.name,
      collection: p.collection,
      id: p.id,
      action: 'parent',
      views: p.views,
      old: [],
      chain: p.chain,
    }))
    const seen = new Set(parents.map((p) => `${p.collection}:${p.id}`))
    const embedded = before.filter((p) => !seen.has(`${p.collection}:${p.id}`))
    return {
      outcomes: [...items, ...parents, ...embedded],
      notes: found.notes,
      edges: walk ? walkedEdges(source.name, changes, found.parents) : undefined,
      embeds,
    }
  }

  async function run(
    changes: ContentChange[],
    write: boolean,
    signal?: AbortSignal,
    walk = true,
  ): Promise<Plan> {
    const builder = new PlanBuilder()
    for (const change of changes) if (change.kind === 'purge') addPurge(builder, change)
    const items = latestPerItem(changes.filter((c): c is ItemChange => c.kind === 'item'))
    const fetch = memoFetch(options.fetch ?? globalThis.fetch)
    const sources = sourcesFor(fetch, signal)
    const bySource = groupBySource(items)
    const results = await Promise.all(
      [...bySource].map(([name, group]) =>
        outcomesOf(
          sources.get(name) ?? payloadPlannerSource(name, fallbackLocale),
          group,
          walk,
          signal,
        ),
      ),
    )
    const outcomes = results.flatMap((r) => r.outcomes)
    for (const note of results.flatMap((r) => r.notes)) builder.note(note)
    const routed = outcomes.filter(
      (o) => rulesFor(options.rules, o.source, o.collection).length > 0,
    )
    const held = await index.lookup(routed)
    const writes: IndexWrite[] = []
    for (const outcome of routed) {
      const write = addItem(builder, options.rules, {
        ...outcome,
        old: held.get(indexKey(outcome)) ?? [],
      })
      if (write) writes.push(write)
      const hidden = notShownYet(options.rules, outcome, held.get(indexKey(outcome)) ?? [])
      if (hidden) builder.note(hidden)
    }
    if (write) {
      await index.replace(writes)
      for (const r of results) {
        if (r.edges) await replaceEdges(options.db, r.edges.children, r.edges.edges)
        if (r.embeds) await replaceDirectChildren(options.db, r.embeds.parents, r.embeds.edges)
      }
    }
    if (fetch.requests() > 0)
      builder.note({ level: 'info', message: `read the CMS with ${fetch.requests()} requests` })
    return builder.build()
  }

  return {
    plan: (changes, signal) => run(changes, true, signal),
    simulate: (changes, signal) => run(changes, false, signal),
    seed: async (changes, signal) => {
      await run(changes, true, signal, false)
    },
  }
}
