/**
 * Fan-out to 1, 10, 50 and 200 pods, each a local HTTP pod answering after 20 ms (a pod
 * re-rendering). Run: `node bench/fanout.ts` (add `--no-service` to skip the second table).
 *
 * 1. `deliverToPods` with the real pod client (undici keep-alive agent) and the configured
 *    concurrency (`pods.concurrency`, from the config schema's default): wall time of one round.
 * 0. The floor: plain undici requests to the same pods, all at once, nothing of freshet.
 * 2. The whole pods stage through the service (`createService`, static discovery, no CDN): the
 *    `stage:ended` time of `pods` for one webhook each, which adds listing the pods, recording
 *    every delivery and handing the batch on.
 *
 * Goal (issue 3): at 50 pods ≤ 1.5× one pod's time, at 200 ≤ 2×.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Agent, request as undiciRequest } from 'undici'
import { startTestPod } from '../packages/emulators/src/pods.ts'
import { parseConfig } from '../packages/freshet/src/config/load.ts'
import { podsSchema } from '../packages/freshet/src/config/schema.ts'
import { createService } from '../packages/freshet/src/service.ts'
import { createPodClient } from '../packages/freshet/src/targets/pods/client.ts'
import { deliverToPods } from '../packages/freshet/src/targets/pods/fanout.ts'

const SIZES = [1, 10, 50, 200]
const ROUNDS = 15
const STAGE_ROUNDS = 5
const TOKEN = 'bench-token'
const DELAY_MS = 20
const defaults = podsSchema.parse({ token: TOKEN, discovery: { static: ['http://127.0.0.1:1'] } })
const given = process.argv.indexOf('--concurrency')
const concurrency = given > 0 ? Number(process.argv[given + 1]) : defaults.concurrency
const request = { paths: ['/articles/hello', '/'], tags: ['articles:1'] }

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
const ms = (value: number) => value.toFixed(1)

interface BenchPod {
  id: string
  url: string
}

async function deliverRounds(pods: BenchPod[]): Promise<number[]> {
  const client = createPodClient({ token: TOKEN, timeoutMs: 10_000 })
  const times: number[] = []
  try {
    // Round 0 opens the connections; a running service has them open already.
    for (let round = 0; round <= ROUNDS; round++) {
      const started = performance.now()
      const results = await deliverToPods({
        client,
        pods: pods.map((pod) => ({ id: pod.id, url: pod.url })),
        request,
        retry: { ...defaults.retry, attempts: 1 },
        concurrency,
        signal: new AbortController().signal,
      })
      if (results.some((r) => r.status !== 'confirmed')) throw new Error('a pod did not confirm')
      if (round > 0) times.push(performance.now() - started)
    }
  } finally {
    await client.close()
  }
  return times
}

/** The floor: one plain undici POST per pod, all at once, nothing of freshet around it. */
async function bareRounds(pods: BenchPod[]): Promise<number[]> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 })
  const body = JSON.stringify(request)
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
  const times: number[] = []
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const started = performance.now()
      await Promise.all(
        pods.map(async (pod) => {
          const url = new URL('/api/revalidate', pod.url)
          const answer = await undiciRequest(url, {
            method: 'POST',
            headers,
            body,
            dispatcher: agent,
          })
          await answer.body.text()
        }),
      )
      if (round > 0) times.push(performance.now() - started)
    }
  } finally {
    await agent.close()
  }
  return times
}

async function stageRounds(pods: BenchPod[]): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-fanout-'))
  const config = parseConfig(
    {
      store: { dir },
      sources: { generic: { token: TOKEN } },
      pods: { token: TOKEN, concurrency, discovery: { static: pods.map((pod) => pod.url) } },
      planner: { coalesce: { windowMs: 5, maxWaitMs: 50 } },
    },
    { NODE_ENV: 'production' },
    'bench',
  )
  const service = await createService(config)
  const times: number[] = []
  try {
    for (let round = 0; round <= STAGE_ROUNDS; round++) {
      const ended = new Promise<number>((resolve) => {
        const listener = (e: { stage: string; ms: number }) => {
          if (e.stage !== 'pods') return
          service.lifecycle.off('stage:ended', listener)
          resolve(e.ms)
        }
        service.lifecycle.on('stage:ended', listener)
      })
      const response = await service.app.request('/hooks/generic', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ paths: [`/articles/round-${round}`] }),
      })
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`)
      const stageMs = await ended
      if (round > 0) times.push(stageMs)
    }
  } finally {
    await service.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return times
}

function table(title: string, rows: { pods: number; times: number[] }[]) {
  const base = median(rows[0]?.times ?? [])
  console.log(`\n### ${title}\n`)
  console.log('| pods | median ms | min ms | max ms | × one pod | goal |')
  console.log('| ---: | ---: | ---: | ---: | ---: | --- |')
  for (const { pods, times } of rows) {
    const ratio = median(times) / base
    const goal = pods === 50 ? 1.5 : pods === 200 ? 2 : undefined
    const verdict = goal === undefined ? '' : ratio <= goal ? `≤ ${goal}× met` : `≤ ${goal}× MISSED`
    console.log(
      `| ${pods} | ${ms(median(times))} | ${ms(Math.min(...times))} | ${ms(Math.max(...times))} | ${ratio.toFixed(2)} | ${verdict} |`,
    )
  }
}

/**
 * The pods run in a child process: answering 200 requests must not borrow the event loop that
 * is being measured (in production the pods are other machines).
 */
async function podsProcess(count: number) {
  const child = fork(import.meta.filename, ['--serve-pods', String(count)], { stdio: 'inherit' })
  const pods = await new Promise<BenchPod[]>((resolve) => child.once('message', resolve as never))
  return { pods, close: () => child.kill() }
}

async function servePods(count: number) {
  const pods = await Promise.all(
    Array.from({ length: count }, () => startTestPod({ token: TOKEN, delayMs: DELAY_MS })),
  )
  process.send?.(pods.map((pod) => ({ id: pod.id, url: pod.url })))
  process.on('disconnect', () => process.exit(0))
}

async function main() {
  const host = await podsProcess(Math.max(...SIZES))
  try {
    console.log(
      `Fan-out: test pods answering after ${DELAY_MS} ms (in a child process); pods.concurrency ${concurrency}; ${ROUNDS} rounds each (stage: ${STAGE_ROUNDS}).`,
    )
    const bare = []
    for (const size of SIZES)
      bare.push({ pods: size, times: await bareRounds(host.pods.slice(0, size)) })
    table('bare undici, one POST per pod at once (the floor on this machine)', bare)
    const delivered = []
    for (const size of SIZES)
      delivered.push({ pods: size, times: await deliverRounds(host.pods.slice(0, size)) })
    table('deliverToPods (one round)', delivered)
    if (!process.argv.includes('--no-service')) {
      const staged = []
      for (const size of SIZES)
        staged.push({ pods: size, times: await stageRounds(host.pods.slice(0, size)) })
      table('pods stage through the service (stage:ended)', staged)
    }
  } finally {
    host.close()
  }
}

const serving = process.argv.indexOf('--serve-pods')
if (serving > 0) await servePods(Number(process.argv[serving + 1]))
else {
  await main()
  // Everything measured is closed; end without waiting on idle keep-alive timers.
  process.exit(0)
}
