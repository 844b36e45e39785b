import { mkdirSync } from 'node:fs'
import { serve } from '@hono/node-server'
import type { Config } from './config/schema.ts'
import { kubeConfigProblem } from './discovery/kubernetes-options.ts'
import { createApp } from './http/app.ts'
import { countCatchUps } from './observability/catch-up-metrics.ts'
import { type LiveFeed, startLiveFeed } from './observability/live-feed.ts'
import { createLogger, logLifecycle } from './observability/logging.ts'
import { createMetrics } from './observability/metrics.ts'
import { countReconciles } from './observability/reconcile-metrics.ts'
import { stopTracing, tracingOn } from './observability/tracing.ts'
import { buildPipeline, plannerFor } from './pipeline/build.ts'
import { createLifecycle, type Lifecycle } from './pipeline/lifecycle.ts'
import type { Pipeline } from './pipeline/runtime.ts'
import { directusPublishRules, scheduledSources } from './pipeline/schedule.ts'
import { startPipelineThread } from './pipeline/thread.ts'
import type { Sweeper } from './sources/directus/sweep-job.ts'
import { createSources } from './sources/index.ts'
import type { Db } from './store/db.ts'
import { migrate } from './store/migrations.ts'
import { openPglite } from './store/pglite.ts'
import { openPostgres } from './store/postgres.ts'

export async function openStore(
  store: Config['store'],
  connections = 10,
  onRetry?: (message: string) => void,
): Promise<Db> {
  if (store.url) {
    const retry = { forMs: store.connectRetrySeconds * 1000, onRetry }
    return openPostgres(store.url, store.schema, connections, retry)
  }
  try {
    mkdirSync(store.dir, { recursive: true })
    return await openPglite(store.dir)
  } catch (cause) {
    const reason = (cause as Error).message.split('\n')[0]
    throw new Error(
      `[freshet] [store] cannot open the embedded store in ${store.dir} (store.dir): ${reason}; ` +
        'give a writable folder that no other freshet has open, or set store.url / DATABASE_URL',
      { cause },
    )
  }
}

export interface Service {
  db: Db
  lifecycle: Lifecycle
  /** The pipeline's progress from every replica, as the page's stream shows it. */
  live: LiveFeed
  pipeline: Pipeline
  /**
   * The Directus scheduled-publish sweep, when configured (url, token, publish-date rules) and
   * the pipeline runs in this thread (in the pipeline thread, the sweep runs there).
   */
  sweeper: Sweeper | undefined
  app: ReturnType<typeof createApp>
  /** What is not configured yet, for the start-up message. */
  unconfigured: string[]
  /** From now on every new request but /healthz and /metrics gets 503 (what SIGTERM does first). */
  refuse(): void
  /** Refuses new requests, finishes or hands back in-flight work, closes the store. */
  stop(): Promise<void>
}

function unconfiguredParts(config: Config): string[] {
  const missing: string[] = []
  if (Object.keys(config.sources).length === 0)
    missing.push('no webhook sources (sources.generic, sources.directus, sources.contentful)')
  if (!config.pods) missing.push('no pods (pods.discovery): the pods stage is skipped')
  if (!config.cdn?.cloudfront) missing.push('no CDN (cdn.cloudfront): the cdn stage is skipped')
  if (!config.server.adminToken)
    missing.push('no admin token (server.adminToken): the admin API answers 401')
  return missing
}

/** Whether the pipeline gets a thread of its own (`server.pipelineThread`). */
export const pipelineInThread = (config: Config) =>
  config.server.pipelineThread === 'auto' && config.store.url !== undefined

/**
 * Builds the whole service from its configuration: store, jobs, pipeline and HTTP app. `now`
 * reaches the pipeline only on the main thread (`server.pipelineThread: main`, or PGlite).
 */
export async function createService(
  config: Config,
  options: {
    lifecycle?: Lifecycle
    now?: () => Date
    /** Told while the store is not up yet at start (each retry, one line). */
    onStoreRetry?: (message: string) => void
  } = {},
): Promise<Service> {
  const lifecycle = options.lifecycle ?? createLifecycle()
  const now = options.now ?? (() => new Date())
  // With its own thread the pipeline has its own pool: here only webhooks and the API query.
  const db = await openStore(config.store, pipelineInThread(config) ? 4 : 10, options.onStoreRetry)
  await migrate(db)
  // Dry runs plan here; on this thread the pipeline plans with the same planner (and cache).
  const planner = plannerFor(config, db, now)
  const built = pipelineInThread(config)
    ? await startPipelineThread(config, db, lifecycle)
    : await buildPipeline(config, db, lifecycle, now, { planner })
  const { pipeline, sweeper } = built
  const publishRules = directusPublishRules(config.sources.directus?.schedule, config.routes)
  let accepting = true
  // Kubernetes discovery outside a cluster without a kubeconfig: the discovery says it once (as a
  // pipeline error); /readyz stays false, as no pod can be found.
  const discoveryProblem = config.pods?.discovery.kubernetes ? kubeConfigProblem() : undefined
  const pathBudgets = Object.fromEntries(
    [config.cdn?.cloudfront ?? []].flat().map((d) => [d.distributionId, d.monthlyPathBudget]),
  )
  const metrics = createMetrics(lifecycle, { db, now, exemplars: tracingOn(), pathBudgets })
  countCatchUps(lifecycle, metrics.registry)
  countReconciles(lifecycle, metrics.registry)
  const live = await startLiveFeed(lifecycle, db)
  const app = createApp({
    db,
    sources: scheduledSources(createSources(config.sources, db), publishRules, now),
    pipeline,
    simulate: { plan: (changes, signal) => planner.simulate(changes, signal) },
    lifecycle,
    live,
    adminToken: config.server.adminToken,
    metrics,
    accepting: () => accepting,
    notReady: () => discoveryProblem,
    now,
    traceUrl: process.env.FRESHET_TRACE_URL || undefined,
  })
  return {
    db,
    lifecycle,
    live,
    pipeline,
    sweeper,
    app,
    unconfigured: unconfiguredParts(config),
    refuse() {
      accepting = false
    },
    async stop() {
      accepting = false
      await built.stop()
      await live.close()
      await db.close()
    },
  }
}

/** `freshet serve`: the service on a port, stopping cleanly on SIGTERM/SIGINT. */
export async function serveService(config: Config, configFile: string | undefined) {
  const log = createLogger()
  const lifecycle = createLifecycle()
  logLifecycle(lifecycle, log)
  const service = await createService(config, {
    lifecycle,
    onStoreRetry: (message) => log.warn(message),
  })
  const server = serve(
    { fetch: service.app.fetch, port: config.server.port, hostname: config.server.host },
    (info) => {
      log.info(
        {
          address: info.address,
          port: info.port,
          config: configFile ?? '(none: defaults)',
          store: config.store.url ? 'postgresql' : `embedded (${config.store.dir})`,
        },
        `freshet listening on http://${info.address}:${info.port}`,
      )
      for (const missing of service.unconfigured) log.warn(`not configured yet: ${missing}`)
    },
  )
  let stopping = false
  // During the grace period the listener stays open: new requests get 503 with Retry-After
  // (so a CMS redelivers, to another replica) while in-flight work is finished or handed back.
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    const graceMs = config.server.shutdownGraceMs
    log.info(
      { signal, graceMs },
      'stopping: new requests get 503; finishing or handing back in-flight work',
    )
    service.refuse()
    await Promise.all([service.stop(), new Promise((resolve) => setTimeout(resolve, graceMs))])
    await new Promise((resolve) => {
      server.close(resolve)
      // Keep-alive connections would hold close() open: idle ones now, busy ones after a second.
      if ('closeAllConnections' in server) {
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), 1000).unref()
      }
    })
    await stopTracing()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  return { service, server }
}
