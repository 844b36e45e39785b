/**
 * Contentful reconciliation through the Sync API: the sync token is the cursor, kept in the
 * store. Each run reads at most `pagesPerRun` pages from it:
 * - the first run (no cursor) is an initial sync: it writes the route index of every routed
 *   entry it reads, purging nothing, and keeps the token;
 * - later runs read the delta: each published entry or asset whose revision no event delivered
 *   becomes an event of source `reconcile:contentful`, and each `DeletedEntry`/`DeletedAsset`
 *   that freshet knows (route index, parent edges) and no event covers becomes an unpublish;
 * - a token Contentful refuses (expired, or from another space) starts a new initial sync in
 *   which what changed after the last change read becomes an event and the rest is seeded.
 * A page's events are stored before its token is saved: a crash repeats at most one page, whose
 * events are not made twice (their delivery key names the item and revision).
 */
import { hash, randomUUID } from 'node:crypto'
import type { ChangeAction, ItemChange } from '../../core/domain.ts'
import { type RouteRule, rulesFor } from '../../core/routes.ts'
import type { Db } from '../../store/db.ts'
import type { Accepted, NewEvent } from '../../store/events.ts'
import {
  coveredItems,
  coveredRevisions,
  indexedItems,
  knownCollections,
  readCursor,
  saveCursor,
} from '../../store/reconcile.ts'
import { type ContentfulSync, type SyncItem, SyncTokenRefused } from './sync.ts'

export const RECONCILE_SOURCE = 'reconcile:contentful'
const CURSOR = 'contentful:sync'

/** The stored cursor: the token, and how far the changes read reach. */
interface SyncCursor {
  token: string
  /** `initial`: an initial sync is under way (its pages seed); `delta`: caught up once. */
  phase: 'initial' | 'delta'
  /** The latest `updatedAt`/`deletedAt` read (Contentful's clock). */
  seenUntil?: string
  /** A new initial sync after a refused token: what changed after this becomes an event. */
  recoverSince?: string
}

export interface ContentfulReconcileOptions {
  sync: ContentfulSync
  db: Db
  rules: readonly RouteRule[]
  pagesPerRun: number
  now: () => Date
  accept(event: NewEvent): Promise<Accepted>
  seed(changes: ItemChange[], signal?: AbortSignal): Promise<void>
  signal?: AbortSignal | undefined
}

/** What one run cost and made: logged, counted in metrics, printed by `freshet reconcile`. */
export interface ContentfulReconcileReport {
  source: 'contentful'
  requests: number
  /** Sync items read (entries, assets, deletions). */
  items: number
  events: string[]
  seeded: number
  /** Items read that no event was needed for: delivered by a webhook, or nothing to purge. */
  skipped: number
  /** The run reached the end of the changes (otherwise the next run goes on). */
  caughtUp: boolean
  /** The stored token was refused and a new initial sync started. */
  restarted: boolean
}

const hhmmss = (at: string | undefined) => (at ? new Date(at).toISOString().slice(11, 19) : '?')
const later = (a: string | undefined, b: string | undefined) =>
  !a ? b : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b

const collectionOf = (item: SyncItem) =>
  item.sys.type === 'Asset' || item.sys.type === 'DeletedAsset'
    ? 'Asset'
    : item.sys.contentType?.sys.id

/** When Contentful made each change (its clock), for the time-based cover of a deletion. */
const changedAt = new WeakMap<ItemChange, string>()

function change(
  collection: string,
  item: SyncItem,
  action: ChangeAction,
  reason: string,
): ItemChange {
  const revision = item.sys.revision
  const at = item.sys.deletedAt ?? item.sys.updatedAt ?? ''
  const made: ItemChange = {
    kind: 'item',
    source: 'contentful',
    collection,
    id: item.sys.id,
    action,
    ...(item.fields && action === 'publish' ? { fields: item.fields } : {}),
    provenance: {
      topic: 'reconcile',
      reason,
      deliveryKey: `${RECONCILE_SOURCE}:${item.sys.type}:${item.sys.id}:${revision ?? ''}:${at}`,
    },
    ...(action === 'publish' && revision !== undefined ? { revision } : {}),
  }
  changedAt.set(made, at)
  return made
}

export async function reconcileContentful(
  o: ContentfulReconcileOptions,
): Promise<ContentfulReconcileReport> {
  const report: ContentfulReconcileReport = {
    source: 'contentful',
    requests: 0,
    items: 0,
    events: [],
    seeded: 0,
    skipped: 0,
    caughtUp: false,
    restarted: false,
  }
  let cursor = await readCursor<SyncCursor>(o.db, CURSOR)
  /** Ids a new initial sync read, when it started in this run: what it lacks was unpublished. */
  let read: Set<string> | undefined
  for (let pages = 0; pages < o.pagesPerRun && !report.caughtUp; pages++) {
    report.requests++
    let page: Awaited<ReturnType<ContentfulSync['page']>>
    try {
      page = await o.sync.page(cursor?.token, o.signal)
    } catch (error) {
      if (!(error instanceof SyncTokenRefused) || !cursor) throw error
      // Start over; what changed after the last change read is not lost.
      const since = cursor.recoverSince ?? cursor.seenUntil ?? new Date(0).toISOString()
      cursor = { token: '', phase: 'initial', recoverSince: since }
      report.restarted = true
      read = new Set()
      report.requests++
      page = await o.sync.page(undefined, o.signal)
    }
    report.items += page.items.length
    const phase = cursor?.phase === 'delta' ? 'delta' : 'initial'
    for (const item of page.items) read?.add(item.sys.id)
    if (phase === 'initial') await initialPage(o, page.items, cursor?.recoverSince, report)
    else await deltaPage(o, page.items, report)
    if (read && page.caughtUp) await unpublishedMeanwhile(o, read, report)
    const seenUntil = page.items.reduce(
      (at, item) => later(at, item.sys.deletedAt ?? item.sys.updatedAt),
      cursor?.seenUntil,
    )
    cursor = {
      token: page.token,
      phase: page.caughtUp ? 'delta' : phase,
      ...(seenUntil ? { seenUntil } : {}),
      ...(!page.caughtUp && cursor?.recoverSince ? { recoverSince: cursor.recoverSince } : {}),
    }
    await saveCursor(o.db, CURSOR, cursor)
    report.caughtUp = page.caughtUp
  }
  return report
}

/** An initial sync's page: seed routed entries; after a refused token, what changed since is an event. */
async function initialPage(
  o: ContentfulReconcileOptions,
  items: SyncItem[],
  recoverSince: string | undefined,
  report: ContentfulReconcileReport,
) {
  const seeds: ItemChange[] = []
  const changed: ItemChange[] = []
  for (const item of items) {
    const collection = collectionOf(item)
    if (!collection || item.sys.type.startsWith('Deleted')) continue
    const at = item.sys.updatedAt
    if (recoverSince && at && Date.parse(at) > Date.parse(recoverSince)) {
      const why = `published at ${hhmmss(at)} (revision ${item.sys.revision ?? '?'}), no webhook received; found by a new initial sync, the sync token having been refused`
      changed.push(change(collection, item, 'publish', why))
    } else if (rulesFor(o.rules, 'contentful', collection).length > 0) {
      seeds.push(change(collection, item, 'publish', 'seeding the route index'))
    }
  }
  if (seeds.length > 0) await o.seed(seeds, o.signal)
  report.seeded += seeds.length
  report.skipped += items.length - seeds.length - changed.length
  await makeEvents(o, changed, report)
}

/**
 * After a new initial sync read in one run: routed entries the route index holds that it did
 * not read were unpublished or deleted while the token was lost. (One that took several runs is
 * not compared: the ids read are kept only for the run.)
 */
async function unpublishedMeanwhile(
  o: ContentfulReconcileOptions,
  read: Set<string>,
  report: ContentfulReconcileReport,
) {
  const routed = o.rules.filter((r) => !r.source || r.source === 'contentful')
  const types = [...new Set(routed.map((r) => r.collection))]
  const deletedAt = o.now().toISOString()
  const gone: ItemChange[] = []
  for (const type of types) {
    for (const id of (await indexedItems(o.db, 'contentful', type)).keys()) {
      if (read.has(id)) continue
      const item: SyncItem = { sys: { type: 'DeletedEntry', id, deletedAt } }
      const why =
        'unpublished or deleted while the sync token was lost (not in a new initial sync), no webhook received'
      gone.push(change(type, item, 'unpublish', why))
    }
  }
  // Only an event still on its way covers these: their time is not known.
  const covered = await coveredItems(
    o.db,
    ['contentful', RECONCILE_SOURCE],
    gone.map((c) => ({ collection: c.collection, id: c.id, since: o.now() })),
  )
  await makeEvents(
    o,
    gone.filter((_, i) => !covered.has(i)),
    report,
  )
}

/** A delta's page: what no event delivered becomes an event. */
async function deltaPage(
  o: ContentfulReconcileOptions,
  items: SyncItem[],
  report: ContentfulReconcileReport,
) {
  const deletedIds = items.filter((i) => i.sys.type.startsWith('Deleted')).map((i) => i.sys.id)
  const known = await knownCollections(o.db, 'contentful', deletedIds)
  const changes: ItemChange[] = []
  for (const item of items) {
    if (item.sys.type === 'Entry' || item.sys.type === 'Asset') {
      const collection = collectionOf(item)
      if (!collection) continue
      const why = `published at ${hhmmss(item.sys.updatedAt)} (revision ${item.sys.revision ?? '?'}), no webhook received`
      changes.push(change(collection, item, 'publish', why))
      continue
    }
    // A deletion names only the id: what freshet shows of it is what its delete purges.
    const collections =
      item.sys.type === 'DeletedAsset' ? ['Asset'] : (known.get(item.sys.id) ?? [])
    const why = `unpublished or deleted at ${hhmmss(item.sys.deletedAt)}, no webhook received`
    for (const collection of collections) changes.push(change(collection, item, 'unpublish', why))
  }
  const fresh = await notCovered(o, changes)
  report.skipped += Math.max(0, items.length - fresh.length)
  await makeEvents(o, fresh, report)
}

/** Leaves out the changes some event (a webhook's, or an earlier run's) already covers. */
async function notCovered(o: ContentfulReconcileOptions, changes: ItemChange[]) {
  const sources = ['contentful', RECONCILE_SOURCE]
  const since = (c: ItemChange) => new Date(changedAt.get(c) ?? 0)
  const published = changes.filter((c) => c.action === 'publish')
  const gone = changes.filter((c) => c.action !== 'publish')
  const [coveredPublished, coveredGone] = await Promise.all([
    coveredRevisions(
      o.db,
      sources,
      published.map((c) => ({
        collection: c.collection,
        id: c.id,
        revision: c.revision ?? 0,
        since: since(c),
      })),
    ),
    // A delete's webhook, once planned, has removed the item from the route index already.
    coveredItems(
      o.db,
      sources,
      gone.map((c) => ({ collection: c.collection, id: c.id, since: since(c) })),
    ),
  ])
  return [
    ...published.filter((_, i) => !coveredPublished.has(i)),
    ...gone.filter((_, i) => !coveredGone.has(i)),
  ]
}

async function makeEvents(
  o: ContentfulReconcileOptions,
  changes: ItemChange[],
  report: ContentfulReconcileReport,
) {
  const receivedAt = o.now()
  const results = await Promise.all(
    changes.map((c) =>
      o.accept({
        id: randomUUID(),
        source: RECONCILE_SOURCE,
        receivedAt,
        bodyDigest: `sha256:${hash('sha256', JSON.stringify(c))}`,
        deliveryKey: c.provenance?.deliveryKey,
        changes: [c],
      }),
    ),
  )
  report.events.push(...results.filter((r) => !r.duplicate).map((r) => r.id))
}
