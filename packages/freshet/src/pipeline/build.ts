import { createDistributions } from '../cdn.ts'
import type { Config } from '../config/schema.ts'
import { createDiscovery } from '../discovery/index.ts'
import { createPlanner } from '../planner/index.ts'
import { contentfulApi } from '../sources/contentful/api.ts'
import { describeExpectation, expectationsOf, unserved } from '../sources/contentful/published.ts'
import { type Sweeper, startDirectusSweep } from '../sources/directus/sweep-job.ts'
import { type ReconcileDeps, type Reconciler, startReconciler } from '../sources/reconcile.ts'
import type { Db } from '../store/db.ts'
import { createPodClient } from '../targets/pods/client.ts'
import type { Planner, PodsStageOptions } from './context.ts'
import type { Lifecycle } from './lifecycle.ts'
import type { ReadAfterPublish } from './read-after-publish.ts'
import { createBoss, type Pipeline, startPipeline } from './runtime.ts'
import { directusPublishRules } from './schedule.ts'

/** The pipeline's workers with everything they call: jobs, planner, pods, CDN, sweep. */
export interface BuiltPipeline {
  pipeline: Pipeline
  /** The Directus scheduled-publish sweep, when configured (url, token, publish-date rules). */
  sweeper: Sweeper | undefined
  /** Reconciliation, when a CMS is configured with its API (and the interval is not 0). */
  reconciler: Reconciler | undefined
  /** Stops the workers (handing back what is in flight), then closes what they used. */
  stop(): Promise<void>
}

/** The CMS-aware planner; `simulate` uses one too, wherever the pipeline runs. */
export function plannerFor(config: Config, db: Db, now: () => Date) {
  return createPlanner({
    rules: config.routes,
    db,
    depthLimit: config.planner.depthLimit,
    throughRoutedItems: config.planner.throughRoutedItems,
    relationsTtlMs: config.planner.relationsTtlMs,
    retry: config.planner.retry,
    now,
    ...cmsOptions(config),
  })
}

export interface BuildOptions {
  planner?: Planner | undefined
  /** Called as each of the collector's looks starts (see `nudge-gate.ts`). */
  onCollectorLook?: (() => void) | undefined
}

export async function buildPipeline(
  config: Config,
  db: Db,
  lifecycle: Lifecycle,
  now: () => Date,
  options: BuildOptions = {},
): Promise<BuiltPipeline> {
  const planner = options.planner ?? plannerFor(config, db, now)
  const boss = createBoss(db, config.store)
  boss.on('error', (error) => lifecycle.emit('pipeline:error', { where: 'jobs', error }))
  await boss.start()
  const pods = podsStage(config, lifecycle)
  const cdn = createDistributions(config, lifecycle)
  const pipeline = await startPipeline(
    {
      db,
      boss,
      lifecycle,
      now,
      planner,
      pods,
      cdn: cdn.distributions,
      coalesce: { ...config.planner.coalesce, maxBatchEvents: 5_000 },
      readAfterPublish: readAfterPublish(config),
    },
    { pods: pods?.stageAttempts ?? 1, planning: config.planner.stageAttempts },
    options.onCollectorLook,
  )
  const publishRules = directusPublishRules(config.sources.directus?.schedule, config.routes)
  const sweeper = await startDirectusSweep(config.sources.directus, publishRules, {
    db,
    boss,
    lifecycle,
    now,
    accept: (event) => pipeline.accept(event),
  })
  const reconciler = await startReconciler({
    ...reconcileDeps(config, db, lifecycle, now, pipeline, planner),
    boss,
  })
  return {
    pipeline,
    sweeper,
    reconciler,
    async stop() {
      await reconciler?.stop()
      await sweeper?.stop()
      await pipeline.stop(config.server.shutdownGraceMs)
      await pods?.discovery.close?.()
      await pods?.client.close?.()
      cdn.close()
    },
  }
}

/** What reconciliation needs; `freshet reconcile --once` builds the same without the jobs. */
export function reconcileDeps(
  config: Config,
  db: Db,
  lifecycle: Lifecycle,
  now: () => Date,
  pipeline: Pick<Pipeline, 'accept'>,
  planner: Planner | ReturnType<typeof plannerFor>,
): ReconcileDeps {
  return {
    db,
    lifecycle,
    now,
    accept: (event) => pipeline.accept(event),
    seed: async (changes, signal) => {
      if ('seed' in planner) await planner.seed(changes, signal)
    },
    rules: config.routes,
    config: config.reconcile,
    ...reconcileApis(config),
    retry: config.planner.retry,
  }
}

/** The CMS APIs reconciliation reads, where configured: Directus's REST API, Contentful's CDA. */
export function reconcileApis(config: Config): Pick<ReconcileDeps, 'directus' | 'contentful'> {
  const { directus, contentful } = config.sources
  return {
    directus:
      directus?.url && directus.token ? { url: directus.url, token: directus.token } : undefined,
    contentful:
      contentful?.spaceId && contentful.accessToken
        ? {
            spaceId: contentful.spaceId,
            environment: contentful.environment,
            accessToken: contentful.accessToken,
            host: config.planner.contentful.host,
          }
        : undefined,
  }
}

/**
 * Contentful's Delivery API is a CDN that can lag behind a publish; the Preview API is not
 * cached, so it is not waited for.
 */
function readAfterPublish(config: Config): ReadAfterPublish | undefined {
  const { contentful } = config.sources
  const options = config.planner.contentful
  if (!contentful?.spaceId || !contentful.accessToken || options.api !== 'delivery')
    return undefined
  const api = contentfulApi({
    spaceId: contentful.spaceId,
    environment: contentful.environment,
    accessToken: contentful.accessToken,
    host: options.host,
    retry: config.planner.retry,
    // Looked up at each call, as the planner's reads are.
    fetch: (input, init) => globalThis.fetch(input, init),
  })
  const { timeoutSeconds, pollInitialMs, pollMaxMs } = options.readAfterPublish
  return {
    cms: 'the Contentful Delivery API',
    timeoutMs: timeoutSeconds * 1000,
    poll: { initialMs: pollInitialMs, maxMs: pollMaxMs },
    async check(changes, signal) {
      const expected = expectationsOf(changes)
      const missing = await unserved(api, expected, signal)
      const pending = missing.map(
        (m) =>
          `${describeExpectation(m.expectation)} (serves ${m.served === undefined ? '404' : `revision ${m.served}`})`,
      )
      return { expected: expected.length, pending }
    },
  }
}

function podsStage(config: Config, lifecycle: Lifecycle): PodsStageOptions | undefined {
  if (!config.pods) return undefined
  const { retry } = config.pods
  return {
    discovery: createDiscovery(config.pods.discovery, {
      onError: (error) => lifecycle.emit('pipeline:error', { where: 'discovery', error }),
    }),
    client: createPodClient({ token: config.pods.token, timeoutMs: retry.timeoutMs }),
    retry,
    concurrency: config.pods.concurrency,
    itemsPerRequest: config.pods.itemsPerRequest,
    stageAttempts: config.pods.stageAttempts,
    fanout: config.pods.fanout,
  }
}

function cmsOptions(config: Config) {
  const { directus, contentful } = config.sources
  return {
    ...(directus?.url && directus.token
      ? { directus: { ...config.planner.directus, url: directus.url, token: directus.token } }
      : {}),
    ...(contentful?.spaceId && contentful.accessToken
      ? {
          contentful: {
            ...config.planner.contentful,
            spaceId: contentful.spaceId,
            environment: contentful.environment,
            accessToken: contentful.accessToken,
          },
        }
      : {}),
  }
}
