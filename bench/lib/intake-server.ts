/**
 * The server side of `bench/intake.ts`, in a process of its own so the load generator does not
 * share its event loop: `bare` (a Hono endpoint that reads the body and answers 202),
 * `bare-postgres` (the same, answering only once the body is written to PostgreSQL, batched
 * across requests as freshet batches them: the least a durable 202 costs here), or the
 * whole freshet service on `pglite` or `postgres` with only `sources.generic` configured
 * (`postgres-main`: with its pipeline on the main thread, `server.pipelineThread: main`).
 * Tells its parent the port over IPC, answers 'sample' with a `ServerSample`, stops on 'stop'.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import pg from 'pg'
import { parseConfig } from '../../packages/freshet/src/config/load.ts'
import { createService } from '../../packages/freshet/src/service.ts'
import { uniqueSchema } from '../../packages/freshet/src/store/test-stores.ts'
import { HOOK_TOKEN, type ServerSample } from './intake-common.ts'

type Mode = 'bare' | 'bare-postgres' | 'pglite' | 'postgres' | 'postgres-main'

async function bareApp() {
  const app = new Hono()
  app.post('/hooks/generic', async (c) => {
    await c.req.text()
    return c.json({ id: randomUUID(), status: 'received' }, 202)
  })
  return { fetch: app.fetch, stop: async () => {} }
}

/** One insert in flight; what arrives meanwhile goes in the next, as in freshet's intake. */
async function barePostgresApp(url: string, schema: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` })
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  await pool.query('CREATE TABLE bodies (id uuid PRIMARY KEY, body jsonb NOT NULL)')
  let queue: { id: string; body: string; written: (error?: unknown) => void }[] = []
  let flushing = false
  async function flush() {
    while (queue.length > 0) {
      const batch = queue.slice(0, 500)
      queue = queue.slice(batch.length)
      const error = await pool
        .query('INSERT INTO bodies SELECT * FROM unnest($1::uuid[], $2::jsonb[])', [
          batch.map((b) => b.id),
          batch.map((b) => b.body),
        ])
        .then(
          () => undefined,
          (cause: unknown) => cause,
        )
      for (const b of batch) b.written(error)
    }
    flushing = false
  }
  const app = new Hono()
  app.post('/hooks/generic', async (c) => {
    const body = await c.req.text()
    const id = randomUUID()
    await new Promise<void>((resolve, reject) => {
      queue.push({ id, body, written: (error) => (error ? reject(error) : resolve()) })
      if (!flushing) {
        flushing = true
        setImmediate(flush)
      }
    })
    return c.json({ id, status: 'received' }, 202)
  })
  return { fetch: app.fetch, stop: () => pool.end() }
}

async function freshetApp(mode: Exclude<Mode, 'bare' | 'bare-postgres'>, url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-'))
  // Made per run, dropped by the parent after the run (whose clean stop may be cut short).
  const schema = process.argv[4] ?? uniqueSchema()
  const config = parseConfig(
    {
      store: mode === 'pglite' ? { dir } : { url, schema },
      // postgres-main: the pipeline shares the main thread, as it did before it had its own.
      server: { pipelineThread: mode === 'postgres-main' ? 'main' : 'auto' },
      sources: { generic: { token: HOOK_TOKEN } },
    },
    {} as NodeJS.ProcessEnv,
    'bench',
  )
  const service = await createService(config)
  return {
    fetch: service.app.fetch,
    async stop() {
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function main() {
  const mode = process.argv[2] as Mode
  const url = process.argv[3] ?? ''
  const app =
    mode === 'bare'
      ? await bareApp()
      : mode === 'bare-postgres'
        ? await barePostgresApp(url, process.argv[4] ?? uniqueSchema())
        : await freshetApp(mode, url)
  // In µs: a histogram holds integers.
  const handled = createHistogram()
  const timedFetch = async (request: Request) => {
    const started = performance.now()
    const response = await app.fetch(request)
    handled.record(Math.max(1, Math.round((performance.now() - started) * 1000)))
    return response
  }
  const server = serve({ fetch: timedFetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    process.send?.({ port: info.port })
  })
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  loopDelay.enable()
  process.on('message', async (message) => {
    if (message === 'sample') {
      const cpu = process.cpuUsage()
      const mainThread = process.threadCpuUsage()
      const sample: ServerSample = {
        cpuMs: (cpu.user + cpu.system) / 1000,
        mainThreadCpuMs: (mainThread.user + mainThread.system) / 1000,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
        handledP50Ms: handled.percentile(50) / 1000,
        handledP99Ms: handled.percentile(99) / 1000,
      }
      loopDelay.reset()
      handled.reset()
      process.send?.({ sample })
    }
    if (message !== 'stop') return
    server.close()
    await app.stop()
    process.send?.({ stopped: true })
    process.exit(0)
  })
}

await main()
