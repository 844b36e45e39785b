/**
 * The server side of `bench/intake.ts`, in a process of its own so the load generator does not
 * share its event loop: `bare` (a Hono endpoint that reads the body and answers 202), or the
 * whole freshet service on `pglite` or `postgres` with only `sources.generic` configured.
 * Tells its parent the port over IPC; on 'cpu' its CPU time and its event loop's delay since the
 * last 'cpu' (p99 and max, ms); stops on 'stop'.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { parseConfig } from '../../packages/freshet/src/config/load.ts'
import { createService } from '../../packages/freshet/src/service.ts'
import { uniqueSchema } from '../../packages/freshet/src/store/test-stores.ts'
import { HOOK_TOKEN } from './intake-common.ts'

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
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  loopDelay.enable()
  process.on('message', async (message) => {
    if (message === 'cpu') {
      const ms = (ns: number) => ns / 1e6
      const delay = { p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max) }
      loopDelay.reset()
      process.send?.({ cpu: process.cpuUsage(), loopDelay: delay })
    }
    if (message !== 'stop') return
    server.close()
    await app.stop()
    process.send?.({ stopped: true })
    process.exit(0)
  })
}

await main()
