/**
 * Webhook → 202 on the embedded store (PGlite) and on PostgreSQL, beside a bare Hono endpoint
 * in the same run, measured twice: the most accepted per second (closed loop, 64 keep-alive
 * connections kept busy), and p50/p99 latency at the goal's rate (open loop: 5,000/s offered,
 * 2,000/s on PGlite, latency counted from each request's scheduled moment). The server runs in
 * a child process (real `@hono/node-server` on loopback, the pipeline's workers in it too, as in
 * production); the load generator, PostgreSQL and the server share this machine's cores.
 * Run: `node bench/intake.ts` (PostgreSQL: 127.0.0.1:5432 db `test`, or
 * FRESHET_TEST_DATABASE_URL; skipped when unreachable).
 */
import { fork } from 'node:child_process'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import {
  postgresReachable,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { dropSchemas, HOOK_TOKEN } from './lib/intake-common.ts'
import { type LoadResult, type RateResult, runLoad, runLoadAtRate } from './lib/load.ts'

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64)
const DURATION_MS = Number(process.env.DURATION_MS ?? 5000)
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 1500)
const RATES: Record<string, number> = {
  bare: Number(process.env.RATE ?? 5000),
  pglite: Number(process.env.RATE_PGLITE ?? 2000),
  postgres: Number(process.env.RATE ?? 5000),
}

interface LoopDelay {
  p99Ms: number
  maxMs: number
}

interface ServerSample {
  cpuMs: number
  loopDelay: LoopDelay
}

async function startServer(mode: string) {
  const schema = uniqueSchema()
  const child = fork(
    new URL('./lib/intake-server.ts', import.meta.url),
    [mode, postgresUrl, schema],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [],
    },
  )
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port))
    child.once('exit', (code) =>
      reject(new Error(`[bench] [intake] ${mode} server exited ${code}`)),
    )
  })
  return {
    origin: `http://127.0.0.1:${port}`,
    /** The server process's CPU time so far, in ms, and its event loop's delay since last asked. */
    cpuMs() {
      return new Promise<ServerSample>((resolve) => {
        const answer = (m: unknown) => {
          const { cpu, loopDelay } = m as { cpu?: NodeJS.CpuUsage; loopDelay: LoopDelay }
          if (!cpu) return
          child.off('message', answer)
          resolve({ cpuMs: (cpu.user + cpu.system) / 1000, loopDelay })
        }
        child.on('message', answer)
        child.send('cpu')
      })
    },
    // A clean stop lets the pipeline work through the backlog the run left (minutes on PGlite
    // for thousands of events); the figures are taken, so give it 10 s, then kill it.
    async stop() {
      const stopped = new Promise((r) => child.once('exit', r))
      child.send('stop')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await stopped
      clearTimeout(timer)
      if (mode === 'postgres') await dropSchemas(postgresUrl, schema)
    },
  }
}

interface Measured {
  most: LoadResult
  atRate: RateResult
  /** The load generator's own CPU, in cores, while it ran (it shares the machine). */
  generatorCores: number
  /** The server process's CPU per request offered at the rate (pipeline work included). */
  serverCpuUs: number
  /** The server's event loop delay while the rate ran: how long a ready request could wait. */
  serverLoopDelay: LoopDelay
}

const request = {
  path: '/hooks/generic',
  headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' },
  body: (i: number) => JSON.stringify({ paths: [`/articles/${i}`, '/'], tags: [`article:${i}`] }),
}

async function measure(mode: string): Promise<Measured> {
  // Each on a fresh server and store: the closed loop leaves a backlog the pipeline works off.
  const first = await startServer(mode)
  const most = await runLoad({
    ...request,
    origin: first.origin,
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
  }).finally(() => first.stop())

  const server = await startServer(mode)
  try {
    const rate = RATES[mode] ?? 5000
    const serverCpuBefore = await server.cpuMs()
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    const atRate = await runLoadAtRate({
      ...request,
      origin: server.origin,
      rate,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
    })
    const cpu = process.cpuUsage(cpuBefore)
    const generatorCores = (cpu.user + cpu.system) / 1000 / (performance.now() - started)
    const offered = (rate * (WARMUP_MS + DURATION_MS)) / 1000
    const after = await server.cpuMs()
    const serverCpuUs = (after.cpuMs - serverCpuBefore.cpuMs) * (1000 / offered)
    return { most, atRate, generatorCores, serverCpuUs, serverLoopDelay: after.loopDelay }
  } finally {
    await server.stop()
  }
}

const reachable = await postgresReachable()
const modes = (process.env.MODES?.split(',') ?? ['bare', 'pglite', 'postgres']).filter(
  (mode) => mode !== 'postgres' || reachable,
)
const results = new Map<string, Measured>()
for (const mode of modes) results.set(mode, await measure(mode))

const bare = results.get('bare')
const fmt = (n: number, digits = 1) => n.toFixed(digits)
const errors = (r: LoadResult) =>
  Object.entries(r.unexpected)
    .map(([status, n]) => `${n}× ${status === '0' ? 'network' : status}`)
    .join(', ') || 'none'
console.log(
  `\nWebhook → 202, ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, ${cpus().length} cores shared by server, PostgreSQL and load generator\n`,
)
console.log(
  `| endpoint | most accepted/s (${CONNECTIONS} connections) | vs bare Hono | offered/s | accepted/s | p50 ms | p99 ms | max ms | server CPU per request | server loop delay p99 / max ms | generator CPU | generator send lag p99 ms | errors |`,
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
for (const [mode, { most, atRate, generatorCores, serverCpuUs, serverLoopDelay }] of results) {
  const label = mode === 'bare' ? 'bare Hono (reads body, 202)' : `freshet, ${mode}`
  const ratio = bare ? `${fmt((100 * most.perSecond) / bare.most.perSecond, 0)} %` : ''
  console.log(
    `| ${label} | ${fmt(most.perSecond, 0)} | ${ratio} | ${fmt(atRate.offeredPerSecond, 0)} | ${fmt(atRate.perSecond, 0)} | ${fmt(atRate.p50Ms)} | ${fmt(atRate.p99Ms)} | ${fmt(atRate.maxMs)} | ${fmt(serverCpuUs, 0)} µs | ${fmt(serverLoopDelay.p99Ms)} / ${fmt(serverLoopDelay.maxMs)} | ${fmt(generatorCores, 2)} cores | ${fmt(atRate.sendLagP99Ms)} | ${errors(most)}; ${errors(atRate)} |`,
  )
}

// The load generator's pool and the measured servers are gone; end without waiting on idle timers.
process.exit(0)
