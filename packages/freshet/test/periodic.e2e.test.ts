import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DIRECTUS_TOKEN, directusFixture } from '../src/planner/test-fixtures.ts'
import {
  dropSchemas,
  postgresReachable,
  postgresUrl,
  uniqueSchema,
} from '../src/store/test-stores.ts'
import { freePort, spawnFreshet, waitFor, writeConfig } from './process.ts'

// Periodic work across a fleet: three `freshet serve` on one PostgreSQL, each scheduling the
// scheduled-publishing sweep and reconciliation. Each must run once per period for the fleet,
// not once per replica. Runs are counted where they show: each sweep asks the Directus emulator
// for the items whose publish date passed (one request per rule, with the date field's `_gt`
// filter), each reconciliation run logs `reconciled`.
const SWEEP_SECONDS = 10 // sources.directus.schedule.sweepIntervalSeconds' minimum
const RECONCILE_SECONDS = 2
const REPLICAS = 3
const reachable = await postgresReachable()

describe.runIf(reachable || process.env.CI)('periodic work on several replicas', () => {
  it('the sweep and the reconciler run once per period across the fleet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-periodic-'))
    const schema = uniqueSchema()
    const cms = directusFixture()
    const cmsUrl = await cms.listen()
    const spawned: ReturnType<typeof spawnFreshet>[] = []
    const start = async () => {
      const port = await freePort()
      const file = writeConfig(mkdtempSync(join(dir, 'replica-')), {
        server: { port, host: '127.0.0.1', adminToken: 'admin' },
        store: { url: postgresUrl, schema },
        sources: {
          directus: {
            secret: 'directus-flow-secret-for-tests',
            url: cmsUrl,
            token: DIRECTUS_TOKEN,
            schedule: {
              collections: [{ collection: 'articles', field: 'date_published' }],
              sweepIntervalSeconds: SWEEP_SECONDS,
            },
          },
        },
        routes: [{ collection: 'articles', source: 'directus', paths: ['/articles/{slug}'] }],
        reconcile: { intervalSeconds: RECONCILE_SECONDS },
      })
      const run = spawnFreshet(['serve', '--config', file], { FRESHET_LOG_LEVEL: 'info' }, dir)
      spawned.push(run)
      await waitFor(
        'ready',
        async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
        180_000,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}\n${run.output()}`)
      })
      return run
    }
    const sweepTimes = () =>
      cms.requests
        .filter(
          (r) =>
            r.path === '/items/articles' &&
            decodeURIComponent(r.query).includes('[date_published][_gt]'),
        )
        .map((r) => r.at)
    const reconcileTimes = () =>
      spawned.flatMap((run) =>
        [...run.output().matchAll(/"time":(\d+)[^\n]*"msg":"reconciled:/g)].map((m) =>
          Number(m[1]),
        ),
      )
    /** Runs after `since`, in order, and the shortest gap between two of them (ms). */
    const steady = (times: number[], since: number) => {
      const after = times.filter((t) => t >= since).sort((a, b) => a - b)
      const gaps = after.slice(1).map((t, i) => t - (after[i] as number))
      return { runs: after.length, shortest: Math.min(...gaps) }
    }

    try {
      await Promise.all(Array.from({ length: REPLICAS }, start))
      // Each replica sends the first job of each as it starts; one sent while another replica's
      // run is under way can run once more right after it (seen: two sweeps 1 s apart at the
      // fleet's start). From a few seconds after the last start the fleet is steady.
      const since = Date.now() + 5_000
      await expect
        .poll(() => steady(sweepTimes(), since).runs, { timeout: 120_000, interval: 500 })
        .toBeGreaterThanOrEqual(4)
      const sweep = steady(sweepTimes(), since)
      const reconcile = steady(reconcileTimes(), since)
      const report = `sweeps ${JSON.stringify(sweep)}, reconciliations ${JSON.stringify(reconcile)}`
      // One job, each run queueing the next a period later on a queue that holds one: runs at
      // least a period apart (less the jitter of when a run's request or log line lands). One
      // schedule per replica would put three runs in each period, so two within a third of it.
      expect(sweep.shortest, report).toBeGreaterThanOrEqual((SWEEP_SECONDS * 1000) / 2)
      expect(reconcile.runs, report).toBeGreaterThanOrEqual(4)
      expect(reconcile.shortest, report).toBeGreaterThanOrEqual((RECONCILE_SECONDS * 1000) / 2)
      console.info(`[periodic] ${REPLICAS} replicas: ${report}`)

      for (const run of spawned) run.child.kill('SIGTERM')
      for (const run of spawned) expect(await run.exited, run.output().slice(-2000)).toBe(0)
    } finally {
      for (const run of spawned) if (run.child.exitCode === null) run.child.kill('SIGKILL')
      await cms.close()
      await dropSchemas(postgresUrl, schema)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 400_000)
})
