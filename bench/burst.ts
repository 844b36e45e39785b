/**
 * A publish burst through the whole service: 10,000 changes sent within about 2 s as generic
 * webhooks (one path each) over loopback HTTP, into freshet on an embedded store, with 3 test
 * pods and the CloudFront emulator (invalidations complete after 2 s). Run:
 * `node bench/burst.ts`. Prints a markdown table:
 *
 * - freshet: what the service did (batches, pod rounds, CreateInvalidation calls, paths billed,
 *   time from the first webhook to every event Completed);
 * - naive: one CreateInvalidation per event, as an event handler without batching does, against
 *   a fresh emulator, 32 at a time, the SDK's own retries (its pod rounds: one per event).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import { serve } from '@hono/node-server'
import pLimit from 'p-limit'
import { Pool } from 'undici'
import { startCloudFrontEmulator } from '../packages/emulators/src/cloudfront.ts'
import { startTestPod } from '../packages/emulators/src/pods.ts'
import { parseConfig } from '../packages/freshet/src/config/load.ts'
import { createService } from '../packages/freshet/src/service.ts'
import { invalidateOneByOne } from './lib/naive-cloudfront.ts'

const CHANGES = 10_000
const SEND_WITHIN_MS = 2000
const COMPLETE_AFTER_MS = 2000
const DIST = 'E2BENCHBURST01'
const HOOK = 'bench-hook-token'
const POD_TOKEN = 'bench-pod-token'
const DEADLINE_MS = 180_000

interface Row {
  approach: string
  sendS: string
  batches: number | string
  podRounds: string
  creates: number
  invalidations: number
  errors: string
  peak: number
  billed: number
  usd: string
  completedS: string
}

const path = (i: number) => `/articles/article-${i}`
const usd = (paths: number) => `$${(Math.max(0, paths - 1000) * 0.005).toFixed(2)}`
const codes = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ') || '0'

/** Sends `CHANGES` webhooks, paced to finish within `SEND_WITHIN_MS`; answers the ms it took. */
async function sendBurst(origin: string): Promise<number> {
  const pool = new Pool(origin, { connections: 32, pipelining: 1 })
  const started = performance.now()
  const limit = pLimit(64)
  let refused = 0
  await Promise.all(
    Array.from({ length: CHANGES }, (_, i) =>
      limit(async () => {
        const due = (i / CHANGES) * SEND_WITHIN_MS - (performance.now() - started)
        if (due > 0) await sleep(due)
        const answer = await pool.request({
          path: '/hooks/generic',
          method: 'POST',
          headers: { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' },
          body: JSON.stringify({ paths: [path(i)] }),
        })
        await answer.body.text()
        if (answer.statusCode !== 202) refused++
      }),
    ),
  )
  const ms = performance.now() - started
  await pool.close()
  if (refused > 0) throw new Error(`[bench] ${refused} webhooks were not accepted`)
  return ms
}

async function runFreshet(): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-burst-'))
  const cloudfront = await startCloudFrontEmulator({
    distributions: [DIST],
    completeAfterMs: COMPLETE_AFTER_MS,
  })
  const pods = await Promise.all([1, 2, 3].map(() => startTestPod({ token: POD_TOKEN })))
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = cloudfront.url
  process.env.AWS_ACCESS_KEY_ID ??= 'bench'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench'
  const config = parseConfig(
    {
      server: { port: 0, adminToken: 'bench-admin' },
      store: { dir },
      sources: { generic: { token: HOOK } },
      pods: { token: POD_TOKEN, discovery: { static: pods.map((p) => p.url) } },
      cdn: { cloudfront: { distributionId: DIST, pollInitialMs: 250, pollMaxMs: 1000 } },
    },
    process.env,
    'bench',
  )
  const service = await createService(config)
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((r) => server.once('listening', r))
  const { port } = server.address() as AddressInfo
  try {
    const started = performance.now()
    const sendMs = await sendBurst(`http://127.0.0.1:${port}`)
    for (;;) {
      const [row] = await service.db.query<{ open: string }>(
        `SELECT count(*) FILTER (WHERE coalesce(b.status, e.status) NOT IN ('completed', 'failed')) AS open
         FROM events e LEFT JOIN batches b ON b.id = e.batch_id`,
      )
      if (Number(row?.open) === 0) break
      if (performance.now() - started > DEADLINE_MS) throw new Error('[bench] burst not done')
      await sleep(100)
    }
    const completedS = ((performance.now() - started) / 1000).toFixed(1)
    const [counts] = await service.db.query<{ batches: string; failed: string }>(
      `SELECT count(DISTINCT e.batch_id) AS batches, count(*) FILTER (WHERE b.status = 'failed') AS failed
       FROM events e LEFT JOIN batches b ON b.id = e.batch_id`,
    )
    const rounds = pods.map((p) => p.calls.filter((c) => c.method === 'POST').length)
    const { stats } = cloudfront
    return {
      approach: `freshet${Number(counts?.failed) > 0 ? ` (${counts?.failed} failed)` : ''}`,
      sendS: (sendMs / 1000).toFixed(1),
      batches: Number(counts?.batches),
      podRounds: rounds.join(' / '),
      creates: stats.callsByOperation.CreateInvalidation ?? 0,
      invalidations: stats.invalidationsCreated,
      errors: codes(stats.errorsByCode),
      peak: stats.peakPathsInProgress,
      billed: stats.pathsBilled,
      usd: usd(stats.pathsBilled),
      completedS,
    }
  } finally {
    server.close()
    await service.stop()
    await Promise.all(pods.map((p) => p.close()))
    await cloudfront.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One CreateInvalidation per event, as soon as it arrives (here: all within 2 s). */
async function runNaive(): Promise<Row> {
  const cloudfront = await startCloudFrontEmulator({
    distributions: [DIST],
    completeAfterMs: COMPLETE_AFTER_MS,
  })
  const cf = new CloudFrontClient({
    endpoint: cloudfront.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  })
  const started = performance.now()
  const failures = await invalidateOneByOne({
    cf,
    distributionId: DIST,
    count: CHANGES,
    paths: (i) => [path(i)],
    async due(i) {
      const wait = (i / CHANGES) * SEND_WITHIN_MS - (performance.now() - started)
      if (wait > 0) await sleep(wait)
    },
  })
  const sendS = ((performance.now() - started) / 1000).toFixed(1)
  await sleep(COMPLETE_AFTER_MS + 100)
  const completedS = ((performance.now() - started) / 1000).toFixed(1)
  await cloudfront.close()
  const { stats } = cloudfront
  const missed = Object.values(failures).reduce((a, b) => a + b, 0)
  return {
    approach: `naive (1 invalidation per event; ${missed} events never invalidated)`,
    sendS,
    batches: '—',
    podRounds: `${CHANGES} per pod`,
    creates: stats.callsByOperation.CreateInvalidation ?? 0,
    invalidations: stats.invalidationsCreated,
    errors: codes(stats.errorsByCode),
    peak: stats.peakPathsInProgress,
    billed: stats.pathsBilled,
    usd: usd(stats.pathsBilled),
    completedS: missed > 0 ? `never (created ones by ${completedS})` : completedS,
  }
}

function table(rows: Row[]): string {
  const head =
    '| approach | s to send | batches | pod rounds (per pod) | CreateInvalidation calls | invalidations | CDN error answers | peak paths in progress | paths billed | cost past free tier | s to all Completed |'
  const line = '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |'
  const body = rows.map(
    (r) =>
      `| ${r.approach} | ${r.sendS} | ${r.batches} | ${r.podRounds} | ${r.creates} | ${r.invalidations} | ${r.errors} | ${r.peak} | ${r.billed} | ${r.usd} | ${r.completedS} |`,
  )
  return [head, line, ...body].join('\n')
}

const rows = [await runFreshet(), await runNaive()]
console.log(
  `${CHANGES} changes (one path each) sent within ~${SEND_WITHIN_MS / 1000} s over loopback; 3 test pods; ` +
    `invalidations complete after ${COMPLETE_AFTER_MS / 1000} s; limit 3,000 paths in progress; ` +
    'coalescing defaults (window 500 ms, max wait 5 s).\n',
)
console.log(table(rows))

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
