/**
 * Drain time of a burst of webhooks (BURST, default 20,000) with 1 and with 3 replicas of
 * `freshet serve` on one PostgreSQL: the webhooks spread over the replicas (64 keep-alive
 * connections, closed loop), then the time until every event is completed (summed from each
 * replica's `freshet_events_total`), through 3 HTTP pods and the CloudFront emulator. All on one
 * machine, replicas sharing its cores with PostgreSQL and the generator: read the difference as
 * the cost of coordinating replicas, not as scaling.
 * Run: `node bench/replicas.ts` (PostgreSQL: 127.0.0.1:5432 db `test`, or FRESHET_TEST_DATABASE_URL).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startTestPod } from '@freshet/emulators/pods'
import {
  dropSchemas,
  postgresReachable,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { freePort, spawnFreshet, waitFor, writeConfig } from '../packages/freshet/test/process.ts'
import { describeMachine } from './lib/machine.ts'

const BURST = Number(process.env.BURST ?? 20_000)
const REPLICAS = (process.env.REPLICAS ?? '1,3').split(',').map(Number)

async function finished(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith('freshet_events_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

async function drain(replicas: number) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-replicas-'))
  const schema = uniqueSchema()
  const cloudfront = await startCloudFrontEmulator({ distributions: ['E2BENCHREPL'] })
  const pods = await Promise.all([1, 2, 3].map(() => startTestPod({ token: 'pod-token' })))
  const env = {
    AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
  }
  // Every process started, ready or not, so none outlives a failed run.
  const spawned: ReturnType<typeof spawnFreshet>[] = []
  try {
    const fleet = await Promise.all(
      Array.from({ length: replicas }, async () => {
        const port = await freePort()
        const file = writeConfig(mkdtempSync(join(dir, 'r-')), {
          server: { port, host: '127.0.0.1', adminToken: 'admin' },
          store: { url: postgresUrl, schema },
          sources: { generic: { token: 'hook' } },
          pods: { token: 'pod-token', discovery: { static: pods.map((p) => p.url) } },
          cdn: {
            cloudfront: { distributionId: 'E2BENCHREPL', pollInitialMs: 100, pollMaxMs: 1000 },
          },
        })
        const run = spawnFreshet(['serve', '--config', file], env, dir)
        spawned.push(run)
        const base = `http://127.0.0.1:${port}`
        await waitFor(
          'ready',
          async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined),
          180_000,
        )
        return { ...run, base }
      }),
    )
    const started = performance.now()
    let next = 0
    const refused: Record<number, number> = {}
    // 64 senders, each keeping one request in flight, spread over the replicas.
    await Promise.all(
      Array.from({ length: 64 }, async (_, sender) => {
        const base = (fleet[sender % replicas] ?? fleet[0])?.base
        while (next < BURST) {
          const i = next++
          const response = await fetch(`${base}/hooks/generic`, {
            method: 'POST',
            headers: { authorization: 'Bearer hook', 'content-type': 'application/json' },
            body: JSON.stringify({ paths: [`/burst/${i}`] }),
          }).catch(() => undefined)
          await response?.arrayBuffer()
          if (response?.status !== 202) {
            const status = response?.status ?? 0
            refused[status] = (refused[status] ?? 0) + 1
          }
        }
      }),
    )
    const notAccepted = () => Object.values(refused).reduce((a, b) => a + b, 0)
    const acceptedMs = performance.now() - started
    await waitFor(
      'the burst drained',
      async () => {
        const done = await Promise.all(fleet.map((r) => finished(r.base)))
        return done.reduce((a, b) => a + b, 0) >= BURST - notAccepted() ? true : undefined
      },
      600_000,
    )
    const drainedMs = performance.now() - started
    console.log(
      `${replicas} replica(s): ${BURST} webhooks accepted in ${(acceptedMs / 1000).toFixed(1)} s, ` +
        `all completed after ${(drainedMs / 1000).toFixed(1)} s (not 202, by status, 0 = no answer: ${JSON.stringify(refused)})`,
    )
  } finally {
    for (const r of spawned) r.child.kill('SIGTERM')
    await Promise.all(spawned.map((r) => r.exited))
    await Promise.all(pods.map((p) => p.close()))
    await cloudfront.close()
    await dropSchemas(postgresUrl, schema)
    rmSync(dir, { recursive: true, force: true })
  }
}

if (!(await postgresReachable()))
  throw new Error(`[bench] PostgreSQL unreachable at ${postgresUrl}`)
console.log(`replicas on one PostgreSQL, ${describeMachine()} (shared with other work: noisy)`)
for (const n of REPLICAS) await drain(n)
