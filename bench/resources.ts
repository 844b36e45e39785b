/**
 * What one freshet replica needs, for the Helm chart's resource requests and limits: resident
 * memory (RSS, and its peak) and CPU of `freshet serve` (the real CLI, the pipeline's thread
 * included) idle, then under a burst of webhooks through the whole pipeline (3 HTTP pods, the
 * CloudFront emulator) until every event is completed. Each store in turn: embedded (PGlite)
 * and PostgreSQL (127.0.0.1:5432 db `test`, or FRESHET_TEST_DATABASE_URL).
 * Run: `node bench/resources.ts` (RATE=500 webhooks/s for SECONDS=10).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
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
import { runLoadAtRate } from './lib/load.ts'
import { describeMachine } from './lib/machine.ts'
import { processCpu } from './lib/postgres-cpu.ts'

const RATE = Number(process.env.RATE ?? 500)
const SECONDS = Number(process.env.SECONDS ?? 10)
const IDLE_MS = 10_000
const TOKEN = 'bench-hook-token'
const ADMIN = 'bench-admin-token'

const memoryMiB = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1])
  return Math.round(kb / 1024)
}

/** Events that reached a final status, from freshet's own metrics. */
async function finished(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith('freshet_events_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

async function measure(name: string, store: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-resources-'))
  const cloudfront = await startCloudFrontEmulator({ distributions: ['E2BENCH'] })
  const pods = await Promise.all([1, 2, 3].map(() => startTestPod({ token: 'pod-token' })))
  const port = await freePort()
  const config = writeConfig(dir, {
    server: { port, adminToken: ADMIN },
    store: { dir: join(dir, 'data'), ...store },
    sources: { generic: { token: TOKEN } },
    pods: { token: 'pod-token', discovery: { static: pods.map((p) => p.url) } },
    cdn: { cloudfront: { distributionId: 'E2BENCH', pollInitialMs: 100, pollMaxMs: 500 } },
  })
  const freshet = spawnFreshet(
    ['serve', '--config', config],
    {
      AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
    },
    dir,
  )
  const pid = freshet.child.pid as number
  const origin = `http://127.0.0.1:${port}`
  try {
    await waitFor('ready', async () => ((await fetch(`${origin}/readyz`)).ok ? true : undefined))
    const idleCpu = processCpu(pid)?.ms ?? 0
    await new Promise((r) => setTimeout(r, IDLE_MS))
    const idle = {
      rss: memoryMiB(pid, 'VmRSS'),
      cpu: ((processCpu(pid)?.ms ?? 0) - idleCpu) / IDLE_MS,
    }
    const before = processCpu(pid)?.ms ?? 0
    const started = performance.now()
    const load = await runLoadAtRate({
      origin,
      path: '/hooks/generic',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: (i) => JSON.stringify({ paths: [`/articles/${i}`] }),
      rate: RATE,
      durationMs: SECONDS * 1000,
      connections: 32,
    })
    await waitFor(
      'every event completed or failed',
      async () => ((await finished(origin)) >= load.requests ? true : undefined),
      300_000,
    )
    const busyMs = performance.now() - started
    const busy = {
      rss: memoryMiB(pid, 'VmRSS'),
      peak: memoryMiB(pid, 'VmHWM'),
      cpu: ((processCpu(pid)?.ms ?? 0) - before) / busyMs,
    }
    console.log(
      `${name.padEnd(10)} idle: RSS ${idle.rss} MiB, CPU ${(idle.cpu * 1000).toFixed(0)}m | ` +
        `${load.requests} webhooks at ${RATE}/s, drained in ${(busyMs / 1000).toFixed(1)} s: ` +
        `RSS ${busy.rss} MiB (peak ${busy.peak}), CPU ${(busy.cpu * 1000).toFixed(0)}m on average`,
    )
  } finally {
    freshet.child.kill('SIGTERM')
    await freshet.exited
    await Promise.all(pods.map((p) => p.close()))
    await cloudfront.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

console.log(`resources of one replica on ${describeMachine()} (shared, noisy)`)
await measure('embedded', {})
if (await postgresReachable()) {
  const schema = uniqueSchema()
  try {
    await measure('postgresql', { url: postgresUrl, schema })
  } finally {
    await dropSchemas(postgresUrl, schema)
  }
}
