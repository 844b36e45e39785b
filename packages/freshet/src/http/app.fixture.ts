import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig } from '../config/load.ts'
import { createMetrics } from '../observability/metrics.ts'
import { createService, type Service } from '../service.ts'
import { createApp } from './app.ts'
import type { AppDeps } from './deps.ts'

/** For the HTTP tests: the whole service (embedded store, only `sources.generic`), no port. */
export const ADMIN_TOKEN = 'admin-secret-for-http-tests'
export const HOOK_TOKEN = 'hook-secret-for-http-tests'

export const hookHeaders = {
  authorization: `Bearer ${HOOK_TOKEN}`,
  'content-type': 'application/json',
}
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` }

export async function startTestService() {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-http-'))
  const config = parseConfig(
    {
      server: { port: 0, adminToken: ADMIN_TOKEN },
      store: { dir },
      sources: { generic: { token: HOOK_TOKEN } },
      planner: { coalesce: { windowMs: 0, maxWaitMs: 0 } },
    },
    {} as NodeJS.ProcessEnv,
    'http-tests',
  )
  const service: Service = await createService(config)
  const deps: AppDeps = {
    db: service.db,
    sources: new Map(),
    pipeline: service.pipeline,
    lifecycle: service.lifecycle,
    live: service.live,
    adminToken: undefined,
    metrics: createMetrics(service.lifecycle, { defaultMetrics: false }),
    accepting: () => true,
    now: () => new Date(),
  }
  return {
    service,
    request: (path: string, init?: RequestInit) => service.app.request(path, init),
    /** The same store behind an app built with other dependencies (no admin token, say). */
    appWith: (overrides: Partial<AppDeps>) => createApp({ ...deps, ...overrides }),
    hook: (body: unknown, headers: Record<string, string> = hookHeaders) =>
      service.app.request('/hooks/generic', {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async close() {
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type TestService = Awaited<ReturnType<typeof startTestService>>

/** `{"error": {"code", "message"}}`, and nothing a client must not see. */
export async function errorOf(response: Response) {
  const text = await response.text()
  for (const secret of [ADMIN_TOKEN, HOOK_TOKEN]) {
    if (text.includes(secret)) throw new Error(`response echoes a secret: ${text}`)
  }
  const body = JSON.parse(text) as { error: { code: string; message: string } }
  if (typeof body.error?.code !== 'string' || typeof body.error?.message !== 'string') {
    throw new Error(`not an error body: ${text}`)
  }
  return body.error
}

/** Polls the admin API until the event has a final status. */
export async function settle(h: TestService, id: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const response = await h.request(`/api/events/${id}`, { headers: adminHeaders })
    const event = (await response.json()) as { id: string; status: string }
    if (event.status === 'completed' || event.status === 'failed') return event
    if (Date.now() > until) throw new Error(`event ${id} still ${event.status}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
