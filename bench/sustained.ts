/**
 * A sustained bulk publish against CloudFront's real limits: changed paths arrive at a steady
 * rate for a while, as generic webhooks over loopback HTTP, into the whole freshet service
 * (PostgreSQL when 127.0.0.1:5432 answers, else embedded) with one test pod and the CloudFront
 * emulator (3,000 paths and 15 wildcards in progress, invalidations completing after 15 s).
 * Run twice in one process, widening off (`cdn.cloudfront.widen: false`) then on, each with a
 * fresh store and emulator. Prints a markdown table: time from webhook to Completed (p50, p99,
 * max), paths billed, invalidations, and how far completion fell behind the arrivals (the
 * pace at which the backlog left at the end of sending cleared, against the arrivals' rate).
 *
 *   node bench/sustained.ts [--rate 2000] [--seconds 120] [--paths-per-webhook 1]
 *                           [--drain-seconds 360] [--complete-after-ms 15000] [--modes off,on]
 *
 * `--rate` is changed paths per second; webhooks per second is rate / paths-per-webhook. Paths
 * are distinct: /articles/<n> (70 %), /authors/<n> (20 %), /tags/<n> (10 %). An event not
 * Completed `--drain-seconds` after the last webhook counts as at least that late (the
 * percentiles say "≥" then).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { serve } from '@hono/node-server'
import { startCloudFrontEmulator } from '../packages/emulators/src/cloudfront.ts'
import { startTestPod } from '../packages/emulators/src/pods.ts'
import { parseConfig } from '../packages/freshet/src/config/load.ts'
import { createService } from '../packages/freshet/src/service.ts'
import {
  dropSchemas,
  postgresReachable,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { runLoadAtRate } from './lib/load.ts'
import { describeMachine } from './lib/machine.ts'

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '120' },
    'paths-per-webhook': { type: 'string', default: '1' },
    'drain-seconds': { type: 'string', default: '360' },
    'complete-after-ms': { type: 'string', default: '15000' },
    'max-delay-seconds': { type: 'string', default: '120' },
    modes: { type: 'string', default: 'off,on' },
  },
})
const RATE = Number(args.rate)
const SECONDS = Number(args.seconds)
const PER_WEBHOOK = Number(args['paths-per-webhook'])
const DRAIN_S = Number(args['drain-seconds'])
const COMPLETE_AFTER_MS = Number(args['complete-after-ms'])
const MAX_DELAY_S = Number(args['max-delay-seconds'])
const MODES = (args.modes ?? 'off,on').split(',') as ('off' | 'on')[]

const DIST = 'E2BENCHSUSTAIN1'
const HOOK = 'bench-hook-token'
const POD_TOKEN = 'bench-pod-token'

/** The i-th changed path: distinct, under the site's three folders. */
function pathOf(i: number): string {
  const slot = i % 10
  if (slot < 7) return `/articles/${i}`
  if (slot < 9) return `/authors/${i}`
  return `/tags/${i}`
}

interface Row {
  mode: string
  webhooks: number
  sendS: string
  completed: number
  open: number
  p50: string
  p99: string
  max: string
  /** Events Completed per second after the sending, until the backlog cleared or the drain ended. */
  pace: string
  behind: string
  billed: number
  invalidations: number
  wildcards: number
  widened: number
  /** The plan notes of the first batch widened. */
  notes: string[]
}

/**
 * A percentile in seconds. Events not Completed count as `floor` (each waited at least that):
 * then every order statistic is a lower bound, and says so with "≥".
 */
function rank(sorted: number[], censored: number, p: number, floor: number): string {
  const all = [...sorted, ...Array.from({ length: censored }, () => floor)].sort((a, b) => a - b)
  if (all.length === 0) return '—'
  const value = all[Math.max(0, Math.min(all.length - 1, Math.ceil((p / 100) * all.length) - 1))]
  return `${censored > 0 ? '≥ ' : ''}${(value ?? 0).toFixed(1)}`
}

async function storeFor(dir: string) {
  if (await postgresReachable()) {
    const schema = uniqueSchema()
    return { store: { url: postgresUrl, schema }, drop: () => dropSchemas(postgresUrl, schema) }
  }
  return { store: { dir }, drop: async () => {} }
}

async function run(mode: 'off' | 'on'): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-sustained-'))
  const cloudfront = await startCloudFrontEmulator({
    distributions: [DIST],
    completeAfterMs: COMPLETE_AFTER_MS,
  })
  const pod = await startTestPod({ token: POD_TOKEN })
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = cloudfront.url
  process.env.AWS_ACCESS_KEY_ID ??= 'bench'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench'
  const { store, drop } = await storeFor(dir)
  const config = parseConfig(
    {
      server: { port: 0, adminToken: 'bench-admin' },
      store,
      sources: { generic: { token: HOOK } },
      pods: { token: POD_TOKEN, discovery: { static: [pod.url] } },
      cdn: {
        cloudfront: {
          distributionId: DIST,
          pollInitialMs: 500,
          pollMaxMs: 2000,
          widen: mode === 'on',
          maxDelaySeconds: MAX_DELAY_S,
          // Past the bench's horizon: an event still waiting is counted late, not failed.
          deadlineMinutes: 60,
        },
      },
    },
    process.env,
    'bench',
  )
  const service = await createService(config)
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((r) => server.once('listening', r))
  const { port } = server.address() as AddressInfo
  const count = async (where: string) => {
    const [row] = await service.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM events e LEFT JOIN batches b ON b.id = e.batch_id
       WHERE ${where}`,
    )
    return Number(row?.n ?? 0)
  }
  try {
    const started = performance.now()
    const load = await runLoadAtRate({
      origin: `http://127.0.0.1:${port}`,
      path: '/hooks/generic',
      headers: { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' },
      body: (i) =>
        JSON.stringify({
          paths: Array.from({ length: PER_WEBHOOK }, (_, k) => pathOf(i * PER_WEBHOOK + k)),
        }),
      rate: RATE / PER_WEBHOOK,
      warmupMs: 0,
      durationMs: SECONDS * 1000,
      connections: 64,
    })
    const sendS = (performance.now() - started) / 1000
    const doneAtEnd = await count(`b.status = 'completed'`)
    const sendEnd = performance.now()
    const sendEndAt = new Date()
    const webhooks = await count('true')
    const drainUntil = performance.now() + DRAIN_S * 1000
    while (performance.now() < drainUntil) {
      if ((await count(`coalesce(b.status, e.status) NOT IN ('completed', 'failed')`)) === 0) break
      await sleep(1000)
    }
    // The pace at which the backlog left at the end of sending cleared: what freshet completes
    // per second under this load (within a 2-minute send the latency is still ramping up, so
    // the pace during the send would say little). Until the last Completed, or the drain's end.
    const doneAfter = await count(`b.status = 'completed'`)
    const [last] = await service.db.query<{ s: number | null }>(
      `SELECT extract(epoch FROM max(finished_at) - $1::timestamptz)::float8 AS s
       FROM batches WHERE status = 'completed'`,
      [sendEndAt.toISOString()],
    )
    const span =
      doneAfter === webhooks ? Number(last?.s ?? 0) : (performance.now() - sendEnd) / 1000
    const clearedPace = (doneAfter - doneAtEnd) / Math.max(1e-3, span)
    const latencies = (
      await service.db.query<{ s: number }>(
        `SELECT extract(epoch FROM b.finished_at - e.received_at)::float8 AS s
         FROM events e JOIN batches b ON b.id = e.batch_id WHERE b.status = 'completed'`,
      )
    )
      .map((r) => Number(r.s))
      .sort((a, b) => a - b)
    const open = webhooks - latencies.length
    // An event not Completed waited at least from the last webhook to the end of the drain.
    const floor = (performance.now() - drainUntil) / 1000 + DRAIN_S
    const [widened] = await service.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM batches WHERE stages -> 'cdn' -> 'widen' -> $1 ? 'items'`,
      [DIST],
    )
    const [example] = await service.db.query<{ notes: { message: string }[] }>(
      `SELECT plan -> 'notes' AS notes FROM batches
       WHERE stages -> 'cdn' -> 'widen' -> $1 ? 'items' ORDER BY created_at LIMIT 1`,
      [DIST],
    )
    const items = (cloudfront.distributions.get(DIST)?.invalidations ?? []).flatMap((i) => i.items)
    return {
      mode: `widening ${mode}`,
      webhooks,
      sendS: sendS.toFixed(0),
      completed: latencies.length,
      open,
      p50: rank(latencies, open, 50, floor),
      p99: rank(latencies, open, 99, floor),
      max: rank(latencies, open, 100, floor),
      pace: clearedPace.toFixed(0),
      behind: Math.max(0, webhooks / sendS - clearedPace).toFixed(0),
      billed: cloudfront.stats.pathsBilled,
      invalidations: cloudfront.stats.invalidationsCreated,
      wildcards: items.filter((i) => i.endsWith('*')).length,
      widened: Number(widened?.n ?? 0),
      notes: (example?.notes ?? []).map((n) => n.message),
      ...(load.unexpected && Object.keys(load.unexpected).length > 0
        ? { mode: `widening ${mode} (refused: ${JSON.stringify(load.unexpected)})` }
        : {}),
    }
  } finally {
    server.close()
    await service.stop()
    await pod.close()
    await cloudfront.close()
    await drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

function table(rows: Row[]): string {
  const head =
    '| run | webhooks | s sending | Completed | not Completed | webhook → Completed p50 s | p99 s | max s | events Completed/s after sending | events/s fallen behind | paths billed | invalidations | wildcards purged | batches widened |'
  const line =
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  const body = rows.map(
    (r) =>
      `| ${r.mode} | ${r.webhooks} | ${r.sendS} | ${r.completed} | ${r.open} | ${r.p50} | ${r.p99} | ${r.max} | ${r.pace} | ${r.behind} | ${r.billed} | ${r.invalidations} | ${r.wildcards} | ${r.widened} |`,
  )
  return [head, line, ...body].join('\n')
}

const store = (await postgresReachable()) ? 'PostgreSQL (127.0.0.1:5432)' : 'embedded PGlite'
const rows: Row[] = []
for (const mode of MODES) rows.push(await run(mode))
console.log(
  `${describeMachine()}; store ${store}.\n${RATE} changed paths/s (${RATE / PER_WEBHOOK} webhooks/s, ` +
    `${PER_WEBHOOK} path each) for ${SECONDS} s; invalidations complete after ${COMPLETE_AFTER_MS / 1000} s; ` +
    `limits 3,000 paths / 15 wildcards in progress; maxDelaySeconds ${MAX_DELAY_S}; drain ${DRAIN_S} s; ` +
    `p50/p99 by nearest rank over every webhook.\n`,
)
console.log(table(rows))
for (const row of rows)
  if (row.notes.length > 0)
    console.log(`\nFirst widened batch (${row.mode}):\n${row.notes.join('\n')}`)

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
