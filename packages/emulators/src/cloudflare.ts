/**
 * Cloudflare's purge API (v4), from its documentation
 * (developers.cloudflare.com/api/resources/cache/methods/purge, /cache/how-to/purge-cache):
 *
 * - `POST /client/v4/zones/{zone_id}/purge_cache`, `Authorization: Bearer <API token>`;
 * - a body of exactly one kind: `{"files": [absolute URLs]}`, `{"tags": [...]}`,
 *   `{"prefixes": ["host/path"]}` (no scheme), `{"hosts": [...]}` or `{"purge_everything": true}`;
 * - at most 100 operations per request (the documented limit on every plan but Enterprise's URLs);
 * - the envelope `{success, errors: [{code, message}], messages, result: {id}}`; a purge takes
 *   effect at once (Instant Purge); over the rate limit, 429;
 * - `GET /client/v4/user/tokens/verify` (api/resources/user/subresources/tokens/methods/verify):
 *   any valid token answers `{success: true, result: {id, status: "active"}}`; a wrong one 401
 *   with code 1000 "Invalid API Token".
 */
import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { loopbackServer } from './loopback.ts'
import { purgeFaults } from './purge-faults.ts'

export interface CloudflareEmulatorOptions {
  zoneId: string
  apiToken: string
  /** Operations per request (default 100). */
  maxOperations?: number
  /** What token verification reports: `active` (default), `disabled` or `expired`. */
  tokenStatus?: 'active' | 'disabled' | 'expired'
}

const KINDS = ['files', 'tags', 'prefixes', 'hosts'] as const

export async function startCloudflareEmulator(options: CloudflareEmulatorOptions) {
  const maxOperations = options.maxOperations ?? 100
  const faults = purgeFaults()
  const purges: { kind: string; values: string[] }[] = []
  const stats = { accepted: 0, refused: 0, overLimit: 0, throttled: 0 }
  const fail = (status: number, code: number, message: string) => {
    stats.refused += 1
    return Response.json(
      { success: false, errors: [{ code, message }], messages: [], result: null },
      { status },
    )
  }
  const app = new Hono()
  const tokenId = randomUUID().replaceAll('-', '')
  app.get('/client/v4/user/tokens/verify', (c) => {
    if (c.req.header('authorization') !== `Bearer ${options.apiToken}`)
      return fail(401, 1000, 'Invalid API Token')
    const status = options.tokenStatus ?? 'active'
    return Response.json({
      success: true,
      errors: [],
      messages: [{ code: 10000, message: 'This API Token is valid and active', type: null }],
      result: { id: tokenId, status },
    })
  })
  app.post('/client/v4/zones/:zone/purge_cache', async (c) => {
    const fault = faults.next()
    if (fault === 'throttle') {
      stats.throttled += 1
      return new Response(
        JSON.stringify({
          success: false,
          errors: [
            { code: 971, message: 'Please wait and consider throttling your request speed' },
          ],
        }),
        {
          status: 429,
          headers: {
            'retry-after': String(faults.retryAfterSeconds),
            'content-type': 'application/json',
          },
        },
      )
    }
    if (fault === 'fail') return fail(503, 10001, 'Service unavailable')
    if (c.req.header('authorization') !== `Bearer ${options.apiToken}`)
      return fail(403, 10000, 'Authentication error')
    if (c.req.param('zone') !== options.zoneId)
      return fail(404, 7003, 'Could not route to /zones/…: zone not found')
    let body: Record<string, unknown>
    try {
      body = (await c.req.json()) as Record<string, unknown>
    } catch {
      return fail(
        400,
        1012,
        'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"',
      )
    }
    const given = KINDS.filter((kind) => kind in body)
    if (body.purge_everything === true && given.length === 0) {
      stats.accepted += 1
      purges.push({ kind: 'everything', values: [] })
      return Response.json({
        success: true,
        errors: [],
        messages: [],
        result: { id: randomUUID() },
      })
    }
    const [kind] = given
    if (given.length !== 1 || !kind)
      return fail(400, 1012, 'Request must contain exactly one purge type')
    const values = body[kind]
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((v) => typeof v === 'string')
    )
      return fail(400, 1012, `"${kind}" must be a non-empty array of strings`)
    if (values.length > maxOperations) {
      stats.overLimit += 1
      return fail(400, 1015, `Too many ${kind}: at most ${maxOperations} per request`)
    }
    const bad = values.find((v) => !valid(kind, v))
    if (bad !== undefined) return fail(400, 1016, `Invalid ${kind} value: ${bad}`)
    stats.accepted += 1
    purges.push({ kind, values })
    return Response.json({ success: true, errors: [], messages: [], result: { id: randomUUID() } })
  })
  const server = loopbackServer(app)
  const url = await server.listen()
  return { url, apiUrl: `${url}/client/v4`, purges, stats, faults, close: () => server.close() }
}

function valid(kind: string, value: string): boolean {
  if (kind === 'files') return URL.canParse(value) && /^https?:\/\//.test(value)
  if (kind === 'prefixes') return !/^[a-z]+:\/\//i.test(value) && value.includes('/')
  if (kind === 'tags') return value.length > 0 && value.length <= 1024 && !value.includes(',')
  return /^[a-z0-9.-]+$/i.test(value)
}

export type CloudflareEmulator = Awaited<ReturnType<typeof startCloudflareEmulator>>
