/**
 * `freshet reconcile [--once] [--source NAME]`: asks each CMS what changed that no webhook
 * delivered and stores an event for it; a running `freshet serve` on the same store picks the
 * events up. `--once` is what a Kubernetes CronJob runs; without it, it runs every
 * `reconcile.intervalSeconds` until interrupted. Prints one JSON report per run.
 */
import type { Config } from '../config/schema.ts'
import { plannerFor, reconcileApis } from '../pipeline/build.ts'
import { createLifecycle } from '../pipeline/lifecycle.ts'
import { reconcilableSources, reconcileOnce } from '../sources/reconcile.ts'
import { insertEvents } from '../store/events.ts'
import { migrate } from '../store/migrations.ts'

export async function runReconcile(
  config: Config,
  options: { once?: boolean; source?: string },
): Promise<number> {
  const { openStore } = await import('../service.ts')
  const db = await openStore(config.store, 2)
  try {
    await migrate(db)
    const now = () => new Date()
    const planner = plannerFor(config, db, now)
    const deps = {
      db,
      lifecycle: createLifecycle(),
      now,
      accept: async (event: Parameters<typeof insertEvents>[1][number]) => {
        const [accepted] = await insertEvents(db, [event])
        return accepted ?? { id: event.id, duplicate: true }
      },
      seed: planner.seed,
      rules: config.routes,
      config: config.reconcile,
      ...reconcileApis(config),
      retry: config.planner.retry,
    }
    const sources = options.source ? [options.source] : reconcilableSources(deps)
    if (sources.length === 0) {
      console.error(
        '[freshet] [reconcile] nothing to reconcile: configure sources.directus with url and token (or sources.contentful with spaceId and accessToken), and a route for one of its collections or content types',
      )
      return 2
    }
    const runAll = async () => {
      for (const source of sources) {
        const report = await reconcileOnce(deps, source)
        console.log(JSON.stringify(report))
      }
    }
    await runAll()
    if (options.once) return 0
    const seconds = config.reconcile.intervalSeconds || 60
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    process.once('SIGTERM', () => stop.abort())
    while (!stop.signal.aborted) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000)
        stop.signal.addEventListener('abort', () => resolve(clearTimeout(timer)), { once: true })
      })
      if (!stop.signal.aborted)
        await runAll().catch((error: unknown) => console.error((error as Error).message))
    }
    return 0
  } finally {
    await db.close()
  }
}
