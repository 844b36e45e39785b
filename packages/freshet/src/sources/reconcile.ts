/**
 * Reconciliation's config and job: every `intervalSeconds`, each configured CMS is asked what
 * changed since its cursor, and what no webhook delivered becomes an event (invariant 10). One
 * replica per period: the run is a pg-boss job on a `stately` queue (at most one queued and one
 * running), each run queueing the next, as the scheduled-publish sweep does.
 */
import type { PgBoss } from 'pg-boss'
import { z } from 'zod'
import type { ItemChange } from '../core/domain.ts'
import type { RouteRule } from '../core/routes.ts'
import type { Lifecycle } from '../pipeline/lifecycle.ts'
import type { CmsRetry, FetchLike } from '../planner/cms-http.ts'
import type { Db } from '../store/db.ts'
import type { Accepted, NewEvent } from '../store/events.ts'
import { type ContentfulReconcileReport, reconcileContentful } from './contentful/reconcile.ts'
import { contentfulSync } from './contentful/sync.ts'
import {
  type ReconcileReport as DirectusReconcileReport,
  reconcileDirectus,
} from './directus/reconcile.ts'

export type ReconcileReport = DirectusReconcileReport | ContentfulReconcileReport

export const reconcileConfig = z
  .strictObject({
    intervalSeconds: z
      .number()
      .int()
      .min(0)
      .default(60)
      .describe(
        'How often each CMS is asked what changed since the last look; a lost webhook costs at most this long. 0: only `npx freshet reconcile --once`.',
      ),
    maxItemsPerRun: z
      .number()
      .int()
      .min(1)
      .default(500)
      .describe('Most changed items read per collection and run; the rest wait for the next run.'),
    maxEventsPerRun: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe(
        'Most events one Directus run makes, over all collections; the rest wait for the next run (the cursors stop before them).',
      ),
    directus: z
      .strictObject({
        dateField: z
          .string()
          .min(1)
          .default('date_updated')
          .describe("The field Directus sets on every change (the 'Date Updated' special field)."),
        dateFields: z
          .record(z.string(), z.string().min(1))
          .default({})
          .describe('Per collection, another change-date field, e.g. `{ pages: modified_on }`.'),
        pageSize: z
          .number()
          .int()
          .min(1)
          .max(10000)
          .default(1000)
          .describe(
            'Ids per page of the visible-set sweep (the items the routes show, by primary key, compared with the route index).',
          ),
        pagesPerRun: z
          .number()
          .int()
          .min(1)
          .default(10)
          .describe(
            'Most visible-set pages read per collection and run; a full comparison of N items takes ceil(N / (pageSize × pagesPerRun)) runs.',
          ),
      })
      .prefault({})
      .describe('Directus: items changed since the cursor, and the items the routes show.'),
    contentful: z
      .strictObject({
        pagesPerRun: z
          .number()
          .int()
          .min(1)
          .default(10)
          .describe(
            'Most Sync API pages (100 items each) read per run; the rest wait for the next run. An initial sync of a large space takes several runs.',
          ),
      })
      .prefault({})
      .describe('Contentful: the Sync API from a sync token kept in the store.'),
  })
  .describe('Reconciliation: what changed in the CMS that no webhook delivered.')

export type ReconcileConfig = z.output<typeof reconcileConfig>

export const RECONCILE_QUEUE = 'freshet-reconcile'

export interface ReconcileDeps {
  db: Db
  lifecycle: Lifecycle
  now: () => Date
  accept(event: NewEvent): Promise<Accepted>
  seed(changes: ItemChange[], signal?: AbortSignal): Promise<void>
  rules: readonly RouteRule[]
  config: ReconcileConfig
  directus?: { url: string; token: string } | undefined
  contentful?: ContentfulSyncDeps | undefined
  retry: CmsRetry
  fetch?: FetchLike
}

/** Contentful's Delivery API, as the planner reads it. */
export interface ContentfulSyncDeps {
  spaceId: string
  environment: string
  accessToken: string
  host?: string | undefined
}

/** The sources reconciliation can ask (those configured with API credentials). */
export function reconcilableSources(
  deps: Pick<ReconcileDeps, 'directus' | 'contentful' | 'rules'>,
): string[] {
  const routed = (source: string) => deps.rules.some((r) => r.source === source)
  return [
    ...(deps.directus && routed('directus') ? ['directus'] : []),
    ...(deps.contentful && routed('contentful') ? ['contentful'] : []),
  ]
}

function runSource(deps: ReconcileDeps, source: string, signal?: AbortSignal) {
  const fetch = deps.fetch ?? globalThis.fetch
  if (source === 'contentful' && deps.contentful)
    return reconcileContentful({
      sync: contentfulSync({ ...deps.contentful, fetch, retry: deps.retry }),
      db: deps.db,
      rules: deps.rules,
      pagesPerRun: deps.config.contentful.pagesPerRun,
      now: deps.now,
      accept: deps.accept,
      seed: deps.seed,
      signal,
    })
  if (source === 'directus' && deps.directus)
    return reconcileDirectus({
      ...deps.directus,
      fetch,
      retry: deps.retry,
      db: deps.db,
      rules: deps.rules,
      dateField: deps.config.directus.dateField,
      dateFields: deps.config.directus.dateFields,
      maxItems: deps.config.maxItemsPerRun,
      pageSize: deps.config.directus.pageSize,
      pagesPerRun: deps.config.directus.pagesPerRun,
      maxEvents: deps.config.maxEventsPerRun,
      now: deps.now,
      accept: deps.accept,
      seed: deps.seed,
      signal,
    })
  return undefined
}

/** One run of one source; emits `reconcile:completed` or `reconcile:failed`. */
export async function reconcileOnce(
  deps: ReconcileDeps,
  source: string,
  signal?: AbortSignal,
): Promise<ReconcileReport> {
  const started = Date.now()
  const running = runSource(deps, source, signal)
  if (!running)
    throw new Error(
      `[freshet] [reconcile] cannot reconcile "${source}": configure sources.${source} with its API credentials (Directus: url and token; Contentful: spaceId and accessToken) (reconcilable here: ${reconcilableSources(deps).join(', ') || 'none'})`,
    )
  try {
    const report = await running
    for (const id of report.events)
      deps.lifecycle.emit('event:received', { id, source: `reconcile:${source}`, duplicate: false })
    deps.lifecycle.emit('reconcile:completed', { ...report, ms: Date.now() - started })
    return report
  } catch (error) {
    deps.lifecycle.emit('reconcile:failed', { source, error: (error as Error).message })
    throw error
  }
}

export interface Reconciler {
  runOnce(source?: string, signal?: AbortSignal): Promise<ReconcileReport[]>
  stop(): Promise<void>
}

/** Starts the repeating job (and its worker on this replica); undefined when nothing to ask. */
export async function startReconciler(
  deps: ReconcileDeps & { boss: PgBoss },
): Promise<Reconciler | undefined> {
  const sources = reconcilableSources(deps)
  if (sources.length === 0 || deps.config.intervalSeconds === 0) return undefined
  const interval = deps.config.intervalSeconds
  await deps.boss.createQueue(RECONCILE_QUEUE, {
    policy: 'stately',
    retryLimit: 2,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: Math.max(60, interval * 2),
  })
  let running: Promise<ReconcileReport[]> | undefined
  // In line: a run asked for while one runs waits for it, so cursors move one run at a time.
  const runOnce = (only?: string, signal?: AbortSignal) => {
    const run = (running ?? Promise.resolve([]))
      .catch(() => [])
      .then(async () => {
        const reports: ReconcileReport[] = []
        for (const source of only ? [only] : sources)
          reports.push(await reconcileOnce(deps, source, signal))
        return reports
      })
    running = run
    return run
  }
  const queueNext = (seconds: number) =>
    deps.boss.send(RECONCILE_QUEUE, {}, { startAfter: seconds }).catch((error: unknown) => {
      deps.lifecycle.emit('pipeline:error', { where: 'reconcile: queueing the next run', error })
      return null
    })
  const worker = await deps.boss.work(
    RECONCILE_QUEUE,
    { pollingIntervalSeconds: 1 },
    async ([job]) => {
      if (!job) return
      await queueNext(interval)
      await runOnce(undefined, job.signal)
    },
  )
  await queueNext(0)
  return {
    runOnce,
    async stop() {
      await deps.boss.offWork(RECONCILE_QUEUE, { id: worker }).catch(() => undefined)
      await running?.catch(() => undefined)
    },
  }
}
