/**
 * Webhook → 202: accepted per second and p50/p99 latency of `POST /hooks/generic` on the
 * embedded store (PGlite) and on PostgreSQL, beside a bare Hono endpoint in the same run. The
 * server runs in a child process (real `@hono/node-server` on loopback, the pipeline's workers
 * in it too, as in production); the load generator keeps 64 keep-alive connections busy.
 * Both share this machine's cores. Run: `node bench/intake.ts` (PostgreSQL: 127.0.0.1:5432
 * db `test`, or FRESHET_TEST_DATABASE_URL; skipped when unreachable).
 */
import { fork } from 'node:child_process'
import { cpus } from 'node:os'
import {
  postgresReachable,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { dropSchemas, HOOK_TOKEN } from './lib/intake-server.ts'
import { type LoadResult, runLoad } from './lib/load.ts'

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64)
const DURATION_MS = Number(process.env.DURATION_MS ?? 5000)
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 1500)

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

async function measure(mode: string): Promise<LoadResult> {
  const server = await startServer(mode)
  try {
    return await runLoad({
      origin: server.origin,
      path: '/hooks/generic',
      headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' },
      body: (i) => JSON.stringify({ paths: [`/articles/${i}`, '/'], tags: [`article:${i}`] }),
      connections: CONNECTIONS,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
    })
  } finally {
    await server.stop()
  }
}

const reachable = await postgresReachable()
const modes = (process.env.MODES?.split(',') ?? ['bare', 'pglite', 'postgres']).filter(
  (mode) => mode !== 'postgres' || reachable,
)
const results = new Map<string, LoadResult>()
for (const mode of modes) results.set(mode, await measure(mode))

const bare = results.get('bare')
const fmt = (n: number, digits = 1) => n.toFixed(digits)
console.log(
  `\nWebhook → 202, ${CONNECTIONS} keep-alive connections, ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, ${cpus().length} cores shared by server and load generator\n`,
)
console.log('| endpoint | accepted/s | p50 ms | p99 ms | max ms | vs bare Hono | errors |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |')
for (const [mode, r] of results) {
  const label = mode === 'bare' ? 'bare Hono (reads body, 202)' : `freshet, ${mode}`
  const ratio = bare ? `${fmt((100 * r.perSecond) / bare.perSecond, 0)} %` : ''
  const errors = Object.entries(r.unexpected)
    .map(([status, n]) => `${n}× ${status === '0' ? 'network' : status}`)
    .join(', ')
  console.log(
    `| ${label} | ${fmt(r.perSecond, 0)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.maxMs)} | ${ratio} | ${errors || 'none'} |`,
  )
}

// The load generator's pool and the measured servers are gone; end without waiting on idle timers.
process.exit(0)
