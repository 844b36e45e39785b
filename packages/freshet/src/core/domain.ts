/**
 * freshet's words, used the same way everywhere.
 *
 * - **event**: one accepted webhook (or manual purge). Persisted before freshet answers 2xx; ends
 *   `completed` or `failed`, with the reason.
 * - **change** (`ContentChange`): what an event says happened: an item of a collection was
 *   created, updated, published, deleted…, or (generic source, manual purge) explicit paths/tags.
 * - **plan**: the paths and tags a set of changes affects, each with the reason it is there.
 * - **batch**: the events coalesced into one round of work: one plan, one pod round, one set of
 *   CDN invalidations. Every event joins exactly one batch and ends with it.
 * - **target**: where a batch is delivered: the Next.js pods, then the CDN.
 * - **delivery**: one pod's revalidation of a batch (attempts, result).
 * - **invalidation**: one CDN invalidation request (one chunk of a batch) and its status.
 *
 * This file is pure: types and tiny helpers, no I/O.
 */

export type ChangeAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'publish'
  | 'unpublish'
  | 'archive'
  | 'unarchive'

export interface Provenance {
  /** Contentful `x-contentful-scheduled-action-id`: the publish was scheduled. */
  scheduledActionId?: string
  /** A redelivery of the same webhook carries the same key (Contentful idempotency key). */
  deliveryKey?: string
  /** The CMS topic or event name as sent, e.g. `ContentManagement.Entry.publish`. */
  topic?: string
  /** For a sweep or delayed publish: when the item went (or goes) live. */
  publishAt?: string
  /** Who acted, when the CMS says (never a secret). */
  actor?: string
  /** Why freshet made this change itself (reconciliation): `changed at 12:03:07, no webhook received`. */
  reason?: string
}

/** An item of a collection (Directus) or content type (Contentful) changed. */
export interface ItemChange {
  kind: 'item'
  source: string
  /** Directus collection or Contentful content type id (or `Asset`). */
  collection: string
  id: string
  action: ChangeAction
  locale?: string
  /** The fields the payload carried (an update may carry only the changed ones). */
  fields?: Record<string, unknown>
  /**
   * The revision the CMS published (Contentful `sys.revision`): the pods re-render only once
   * the CMS's delivery CDN serves at least this one (read-after-publish), and reconciliation
   * skips a revision an event already carries.
   */
  revision?: number
  provenance?: Provenance
}

/** Explicit paths and tags to purge (generic webhook, manual invalidation). */
export interface PurgeChange {
  kind: 'purge'
  source: string
  paths: string[]
  tags: string[]
}

export type ContentChange = ItemChange | PurgeChange

/** Why a path or tag is in a plan: a rule, a parent chain, an old route, or given explicitly. */
export interface PlanReason {
  kind: 'explicit' | 'rule' | 'parent' | 'old-route' | 'static' | 'replay'
  detail: string
}

export interface PlanEntry {
  value: string
  reasons: PlanReason[]
}

/** A note the planner wants a user to see (a template whose field was missing, say). */
export interface PlanNote {
  level: 'info' | 'warn'
  message: string
}

export interface Plan {
  paths: PlanEntry[]
  tags: PlanEntry[]
  notes: PlanNote[]
}

/**
 * Where an event stands. Between `received` and its end, its batch's stage: the names of
 * `pipeline/stages.ts`'s rows, which the compiler holds to this list (core imports no pipeline).
 */
export type EventStatus =
  | 'received'
  | 'planning'
  | 'pods'
  | 'cdn'
  | 'tracking'
  | 'completed'
  | 'failed'

export type BatchStatus = Exclude<EventStatus, 'received'>

/** `skipped`: not called, because another pod revalidated a cache they share (`pods.fanout: one`). */
export type DeliveryStatus = 'pending' | 'confirmed' | 'failed' | 'dropped' | 'skipped'

export interface PathResult {
  path: string
  ok: boolean
  error?: string
}

export interface TagResult {
  tag: string
  ok: boolean
  error?: string
}

export interface PodAnswer {
  paths: PathResult[]
  tags: TagResult[]
  buildId?: string
}

export type InvalidationStatus = 'pending' | 'InProgress' | 'Completed' | 'failed'
