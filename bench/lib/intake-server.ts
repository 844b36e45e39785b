/** Drops a bench run's schemas (freshet's and pg-boss's). */
export async function dropSchemas(url: string, schema: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.query(`DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`)
  await client.end()
}

/**
 * The server side of `bench/intake.ts`, in a process of its own so the load generator does not
 * share its event loop: `bare` (a Hono endpoint that reads the body and answers 202), or the
 * whole freshet service on `pglite` or `postgres` with only `sources.generic` configured.
 * Tells its parent the port over IPC, and its CPU time on 'cpu'; stops on 'stop'.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import pg from 'pg'
import { parseConfig } from '../../packages/freshet/src/config/load.ts'
import { createService } from '../../packages/freshet/src/service.ts'
import { uniqueSchema } from '../../packages/freshet/src/store/test-stores.ts'

export const HOOK_TOKEN = 'bench-hook-token-0123456789'

type Mode = 'bare' | 'pglite' | 'postgres'

async function bareApp() {
  const app = new Hono()
  app.post('/hooks/generic', async (c) => {
    await c.req.text()
    return c.json({ id: randomUUID(), status: 'received' }, 202)
  })
  return { fetch: app.fetch, stop: async () => {} }
}

async function freshetApp(mode: 'pglite' | 'postgres', url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-'))
  // Made per run, dropped by the parent after the run (whose clean stop may be cut short).
  const schema = process.argv[4] ?? uniqueSchema()
  const config = parseConfig(
    {
      store: mode === 'postgres' ? { url, schema } : { dir },
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
  const app = mode === 'bare' ? await bareApp() : await freshetApp(mode, url)
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    process.send?.({ port: info.port })
  })
  process.on('message', async (message) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() })
    if (message !== 'stop') return
    server.close()
    await app.stop()
    process.send?.({ stopped: true })
    process.exit(0)
  })
}

await main()
