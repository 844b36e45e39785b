/**
 * Fastly's purge API, from its documentation (fastly-js docs/PurgeApi.md, the batch surrogate-key
 * purge announcement):
 *
 * - `POST /service/{service_id}/purge`, `Fastly-Key: <API token>`, JSON
 *   `{"surrogate_keys": [...]}`: at most 256 keys a request; answers `{key: purge id}`;
 * - `POST /purge/{host/path}` (the cached URL without scheme), `Fastly-Key`: answers
 *   `{"status": "ok", "id": ...}`;
 * - `Fastly-Soft-Purge: 1` marks objects stale instead of evicting them;
 * - a wrong or missing key: 401 `{"msg": "Provided credentials are missing or invalid"}`.
 */
import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { loopbackServer } from './loopback.ts'
import { purgeFaults } from './purge-faults.ts'

export interface FastlyEmulatorOptions {
  serviceId: string
  apiToken: string
}

export interface FastlyPurge {
  kind: 'keys' | 'url'
  values: string[]
  soft: boolean
}

export async function startFastlyEmulator(options: FastlyEmulatorOptions) {
  const faults = purgeFaults()
  const purges: FastlyPurge[] = []
  const stats = { accepted: 0, refused: 0, overLimit: 0, throttled: 0 }
  const app = new Hono()
  const refuse = (status: number, msg: string, detail?: string) => {
    stats.refused += 1
    return Response.json({ msg, ...(detail ? { detail } : {}) }, { status })
  }
  app.use('*', async (c, next) => {
    const fault = faults.next()
    if (fault === 'throttle') {
      stats.throttled += 1
      return new Response(JSON.stringify({ msg: 'Too many requests' }), {
        status: 429,
        headers: {
          'retry-after': String(faults.retryAfterSeconds),
          'content-type': 'application/json',
        },
      })
    }
    if (fault === 'fail') return refuse(503, 'Service unavailable')
    if (c.req.header('fastly-key') !== options.apiToken)
      return refuse(401, 'Provided credentials are missing or invalid')
    await next()
  })
  const soft = (header: string | undefined) => header === '1'
  app.post('/service/:service/purge', async (c) => {
    if (c.req.param('service') !== options.serviceId) return refuse(404, 'Record not found')
    const body = (await c.req.json().catch(() => undefined)) as
      | { surrogate_keys?: unknown }
      | undefined
    const keys = body?.surrogate_keys
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string'))
      return refuse(400, 'Bad request', 'surrogate_keys must be a non-empty array of strings')
    if (keys.length > 256) {
      stats.overLimit += 1
      return refuse(400, 'Bad request', 'at most 256 surrogate keys per request')
    }
    stats.accepted += 1
    purges.push({ kind: 'keys', values: keys, soft: soft(c.req.header('fastly-soft-purge')) })
    return Response.json(Object.fromEntries(keys.map((k) => [k, randomUUID()])))
  })
  app.post('/purge/*', (c) => {
    const cached = c.req.path.slice('/purge/'.length)
    if (/^[a-z]+:\/\//i.test(cached) || !cached.includes('/'))
      return refuse(400, 'Bad request', 'the cached URL is host/path, without a scheme')
    stats.accepted += 1
    const query = new URL(c.req.url).search
    purges.push({
      kind: 'url',
      values: [`${cached}${query}`],
      soft: soft(c.req.header('fastly-soft-purge')),
    })
    return Response.json({ status: 'ok', id: randomUUID() })
  })
  const server = loopbackServer(app)
  const url = await server.listen()
  return { url, purges, stats, faults, close: () => server.close() }
}

export type FastlyEmulator = Awaited<ReturnType<typeof startFastlyEmulator>>
