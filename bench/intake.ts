/**
 * Webhook → 202 on the embedded store (PGlite) and on PostgreSQL, beside a bare Hono endpoint
 * in the same run, measured two ways: the most accepted per second (closed loop, 64 keep-alive
 * connections kept busy), and latency at fixed rates up to the goal's (open loop: requests leave
 * on schedule, latency counted from each request's scheduled moment; 5,000/s is the goal on
 * PostgreSQL, 2,000/s on PGlite). Each measurement runs on a fresh server in a child process
 * (real `@hono/node-server` on loopback, the pipeline's workers in it too, as in production);
 * the load generator, PostgreSQL and the server share this machine's cores, so the table also
 * says where the time went: the server's own handling, its event loop, the generator's lag,
 * and PostgreSQL's own CPU (read from `/proc` when PostgreSQL runs on this machine).
 * `postgres-main` is PostgreSQL with the pipeline on the main thread (`server.pipelineThread:
 * main`), to show what its own thread changes. `bare-postgres` is the floor on PostgreSQL: bare
 * Hono that answers once the body is inserted, batched as freshet batches, with nothing else;
 * what freshet takes beyond it is its own (validation, the event's record, the pipeline).
 * `<mode>+traced` (`MODES=postgres,postgres+traced`): the same with OpenTelemetry tracing on,
 * exporting OTLP/HTTP (protobuf) to a sink in a process of its own, every request sampled.
 * Run: `node bench/intake.ts` (PostgreSQL: 127.0.0.1:5432 db `test`, or
 * FRESHET_TEST_DATABASE_URL; skipped when unreachable). RATES_<MODE>=1000,5000 picks rates
 * (RATES_POSTGRES_MAIN for `postgres-main`).
 */
import { fork } from 'node:child_process'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import {
  dropSchemas,
  postgresReachable,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { HOOK_TOKEN, type ServerSample } from './lib/intake-common.ts'
import { type LoadResult, type RateResult, runLoad, runLoadAtRate } from './lib/load.ts'
import { describeMachine } from './lib/machine.ts'
import { postgresCpuMs } from './lib/postgres-cpu.ts'

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64)
const DURATION_MS = Number(process.env.DURATION_MS ?? 5000)
// A fresh process runs cold code for its first seconds (the first plan of a big batch takes
// several times as long as later ones), so the figures are of the warm service.
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 5000)
const DEFAULT_RATES: Record<string, string> = {
  bare: '5000',
  'bare-postgres': '5000',
  pglite: '500,1000,2000',
  postgres: '1000,2000,3000,4000,5000',
  'postgres-main': '1000,5000',
}
const ratesOf = (mode: string) =>
  (
    process.env[`RATES_${mode.toUpperCase().replaceAll('-', '_').replace('+TRACED', '')}`] ??
    DEFAULT_RATES[mode.replace('+traced', '')] ??
    '5000'
  )
    .split(',')
    .map(Number)

let sink: Promise<string> | undefined
/** The OTLP sink of the traced modes, started on first use. */
function otlpSink(): Promise<string> {
  sink ??= new Promise((resolve) => {
    const child = fork(new URL('./lib/otlp-sink.ts', import.meta.url), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    child.once('message', (m) => resolve(`http://127.0.0.1:${(m as { port: number }).port}`))
  })
  return sink
}

async function startServer(mode: string) {
  const schema = uniqueSchema()
  const [base = mode, traced] = mode.split('+')
  const tracing = traced
    ? {
        OTEL_EXPORTER_OTLP_ENDPOINT: await otlpSink(),
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'freshet-bench',
      }
    : {}
  const preload = traced
    ? ['--import', new URL('./lib/tracing-preload.ts', import.meta.url).href]
    : []
  const child = fork(
    new URL('./lib/intake-server.ts', import.meta.url),
    [base, postgresUrl, schema],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, ...tracing },
      execArgv: [
        ...preload,
        ...(process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : []),
      ],
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
    sample() {
      return new Promise<ServerSample>((resolve) => {
        const answer = (m: unknown) => {
          const { sample } = m as { sample?: ServerSample }
          if (!sample) return
          child.off('message', answer)
          resolve(sample)
        }
        child.on('message', answer)
        child.send('sample')
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
      if (mode.includes('postgres')) await dropSchemas(postgresUrl, schema)
    },
  }
}

interface AtRate {
  result: RateResult
  /** The server's timings while the rate ran (CPU per request offered, pipeline included). */
  server: ServerSample & { cpuPerRequestUs: number; mainThreadPerRequestUs: number }
  /** The load generator's own CPU, in cores, while it ran (it shares the machine). */
  generatorCores: number
  /** PostgreSQL's own CPU per request offered, in µs (PostgreSQL modes on this machine). */
  postgresPerRequestUs: number | undefined
}

const request = {
  path: '/hooks/generic',
  headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' },
  body: (i: number) => JSON.stringify({ paths: [`/articles/${i}`, '/'], tags: [`article:${i}`] }),
}

async function mostAccepted(mode: string): Promise<LoadResult> {
  const server = await startServer(mode)
  return runLoad({
    ...request,
    origin: server.origin,
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
  }).finally(() => server.stop())
}

// On a fresh server and store each time: a closed loop or a higher rate leaves a backlog.
async function atRate(mode: string, rate: number): Promise<AtRate> {
  const server = await startServer(mode)
  try {
    const before = await server.sample()
    const postgresBefore = postgresCpuMs()
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    const result = await runLoadAtRate({
      ...request,
      origin: server.origin,
      rate,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
    })
    const cpu = process.cpuUsage(cpuBefore)
    const generatorCores = (cpu.user + cpu.system) / 1000 / (performance.now() - started)
    const after = await server.sample()
    const postgresAfter = postgresCpuMs()
    const offered = (rate * (WARMUP_MS + DURATION_MS)) / 1000
    const postgresPerRequestUs =
      mode.includes('postgres') && postgresBefore !== undefined && postgresAfter !== undefined
        ? ((postgresAfter - postgresBefore) * 1000) / offered
        : undefined
    const cpuPerRequestUs = ((after.cpuMs - before.cpuMs) * 1000) / offered
    const mainThreadPerRequestUs =
      ((after.mainThreadCpuMs - before.mainThreadCpuMs) * 1000) / offered
    return {
      result,
      server: { ...after, cpuPerRequestUs, mainThreadPerRequestUs },
      generatorCores,
      postgresPerRequestUs,
    }
  } finally {
    await server.stop()
  }
}

const reachable = await postgresReachable()
const modes = (
  process.env.MODES?.split(',') ?? ['bare', 'bare-postgres', 'pglite', 'postgres', 'postgres-main']
).filter((mode) => !mode.includes('postgres') || reachable)
const most = new Map<string, LoadResult>()
const rated: { mode: string; measured: AtRate }[] = []
for (const mode of modes) {
  most.set(mode, await mostAccepted(mode))
  for (const rate of ratesOf(mode)) rated.push({ mode, measured: await atRate(mode, rate) })
}

const LABELS: Record<string, string> = {
  bare: 'bare Hono (reads body, 202)',
  'bare-postgres': 'bare Hono + batched insert into PostgreSQL (202 once written)',
  pglite: 'freshet, pglite',
  postgres: 'freshet, postgres (pipeline thread)',
  'postgres-main': 'freshet, postgres (pipeline on main thread)',
}
const label = (mode: string) =>
  mode.endsWith('+traced')
    ? `${LABELS[mode.replace('+traced', '')] ?? mode}, traced`
    : (LABELS[mode] ?? `freshet, ${mode}`)
const fmt = (n: number, digits = 1) => n.toFixed(digits)
const errors = (r: LoadResult) =>
  Object.entries(r.unexpected)
    .map(([status, n]) => `${n}× ${status === '0' ? 'network' : status}`)
    .join(', ') || 'none'
const bare = most.get('bare')
console.log(
  `\nWebhook → 202, ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, ${cpus().length} cores shared by server, PostgreSQL and load generator\nMachine: ${describeMachine()}\n`,
)
console.log(`| endpoint | most accepted/s (${CONNECTIONS} connections) | vs bare Hono | errors |`)
console.log('| --- | ---: | ---: | --- |')
for (const [mode, result] of most) {
  const ratio = bare ? `${fmt((100 * result.perSecond) / bare.perSecond, 0)} %` : ''
  console.log(`| ${label(mode)} | ${fmt(result.perSecond, 0)} | ${ratio} | ${errors(result)} |`)
}
console.log(
  '\n| endpoint | offered/s | accepted/s | p50 ms | p99 ms | max ms | server handling p50 / p99 ms | server loop delay p99 / max ms | server CPU per request | of it, main thread | PostgreSQL CPU per request | generator send lag p99 ms | generator CPU | errors |',
)
console.log(
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
)
for (const { mode, measured } of rated) {
  const { result, server, generatorCores, postgresPerRequestUs } = measured
  const postgres = postgresPerRequestUs === undefined ? '—' : `${fmt(postgresPerRequestUs, 0)} µs`
  console.log(
    `| ${label(mode)} | ${fmt(result.offeredPerSecond, 0)} | ${fmt(result.perSecond, 0)} | ${fmt(result.p50Ms)} | ${fmt(result.p99Ms)} | ${fmt(result.maxMs)} | ${fmt(server.handledP50Ms)} / ${fmt(server.handledP99Ms)} | ${fmt(server.loopDelayP99Ms)} / ${fmt(server.loopDelayMaxMs)} | ${fmt(server.cpuPerRequestUs, 0)} µs | ${fmt(server.mainThreadPerRequestUs, 0)} µs | ${postgres} | ${fmt(result.sendLagP99Ms)} | ${fmt(generatorCores, 2)} cores | ${errors(result)} |`,
  )
}

// The load generator's pool and the measured servers are gone; end without waiting on idle timers.
process.exit(0)
