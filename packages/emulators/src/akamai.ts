/**
 * Akamai's Fast Purge API (v3), from its documentation (techdocs.akamai.com/purge-cache:
 * reference, rate limiting; developer.akamai.com EdgeGrid authentication):
 *
 * - `POST /ccu/v3/{invalidate|delete}/{url|tag}/{production|staging}`, JSON `{"objects": [...]}`
 *   (URLs absolute; tags as given), a body of at most 50,000 bytes (413 over it);
 * - `201 {httpStatus, estimatedSeconds, purgeId, supportId, detail}`: Akamai reports no status
 *   afterwards, `estimatedSeconds` is what a client waits;
 * - every request signed with EdgeGrid (`EG1-HMAC-SHA256`), VERIFIED here: the signing key is
 *   HMAC-SHA256(client secret, timestamp); the signature HMAC-SHA256(signing key, method, scheme,
 *   host, path+query, headers, base64 SHA-256 of the body, the header without its signature),
 *   tab-joined; a wrong signature, token, or a timestamp older than the tolerance is a 401.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { loopbackServer } from './loopback.ts'
import { purgeFaults } from './purge-faults.ts'

export interface AkamaiEmulatorOptions {
  clientToken: string
  clientSecret: string
  accessToken: string
  /** What each purge answers as `estimatedSeconds` (Akamai: about 5). */
  estimatedSeconds?: number
}

export interface AkamaiPurge {
  action: string
  type: string
  network: string
  objects: string[]
}

const MAX_BODY = 50_000
const base64 = (data: Buffer) => data.toString('base64')
const hmac = (key: string, data: string) => base64(createHmac('sha256', key).update(data).digest())

/** `20130817T02:49:13+0000` → epoch ms. */
function timestampMs(value: string): number {
  const m = value.match(/^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})\+0000$/)
  if (!m) return Number.NaN
  const [, year, month, day, hour, minute, second] = m.map(Number)
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second)
}

/** Why an EdgeGrid Authorization header is not valid for this request, or undefined. */
export function edgeGridProblem(
  options: AkamaiEmulatorOptions,
  request: { method: string; host: string; pathAndQuery: string; body: string; header: string },
  now = Date.now(),
): string | undefined {
  const prefix = 'EG1-HMAC-SHA256 '
  if (!request.header.startsWith(prefix)) return 'not an EG1-HMAC-SHA256 Authorization header'
  const fields = new Map(
    request.header
      .slice(prefix.length)
      .split(';')
      .map(
        (part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)] as const,
      ),
  )
  const [ct, at, ts, nonce, signature] = [
    'client_token',
    'access_token',
    'timestamp',
    'nonce',
    'signature',
  ].map((k) => fields.get(k))
  if (!ct || !at || !ts || !nonce || !signature)
    return 'a field of the Authorization header is missing'
  if (ct !== options.clientToken || at !== options.accessToken)
    return 'unknown client or access token'
  const at_ = timestampMs(ts)
  if (Number.isNaN(at_) || Math.abs(now - at_) > 5 * 60_000)
    return 'timestamp invalid or too far from now'
  const unsigned = request.header.slice(0, request.header.indexOf('signature='))
  const contentHash =
    request.method === 'POST' && request.body.length > 0
      ? base64(createHash('sha256').update(request.body.slice(0, 131_072)).digest())
      : ''
  const data = [
    request.method.toUpperCase(),
    'https',
    request.host.toLowerCase(),
    request.pathAndQuery,
    '',
    contentHash,
    unsigned,
  ].join('\t')
  const expected = hmac(hmac(options.clientSecret, ts), data)
  return expected === signature ? undefined : 'the signature does not match the request'
}

export async function startAkamaiEmulator(options: AkamaiEmulatorOptions) {
  const faults = purgeFaults()
  const purges: AkamaiPurge[] = []
  const stats = { accepted: 0, refused: 0, overLimit: 0, throttled: 0, signaturesChecked: 0 }
  const problem = (status: number, title: string, detail: string) => {
    stats.refused += 1
    return Response.json(
      {
        type: 'https://problems.purge.akamaiapis.net/-/pep-authn/request-error',
        title,
        status,
        detail,
      },
      { status },
    )
  }
  const app = new Hono()
  app.post('/ccu/v3/:action/:type/:network', async (c) => {
    const fault = faults.next()
    if (fault === 'throttle') {
      stats.throttled += 1
      return new Response(JSON.stringify({ title: 'Rate Limit exceeded', status: 429 }), {
        status: 429,
        headers: {
          'retry-after': String(faults.retryAfterSeconds),
          'content-type': 'application/problem+json',
        },
      })
    }
    if (fault === 'fail') return problem(503, 'Service Unavailable', 'try again')
    const body = await c.req.text()
    const url = new URL(c.req.url)
    stats.signaturesChecked += 1
    const authProblem = edgeGridProblem(options, {
      method: c.req.method,
      host: c.req.header('host') ?? '',
      pathAndQuery: `${url.pathname}${url.search}`,
      body,
      header: c.req.header('authorization') ?? '',
    })
    if (authProblem) return problem(401, 'Not authorized', authProblem)
    const { action, type, network } = c.req.param()
    if (
      !['invalidate', 'delete'].includes(action) ||
      !['url', 'tag', 'cpcode'].includes(type) ||
      !['production', 'staging'].includes(network)
    )
      return problem(404, 'Not Found', `no such endpoint: /ccu/v3/${action}/${type}/${network}`)
    if (Buffer.byteLength(body) > MAX_BODY) {
      stats.overLimit += 1
      return problem(413, 'Request Entity Too Large', `the body is over ${MAX_BODY} bytes`)
    }
    const parsed = JSON.parse(body || '{}') as { objects?: unknown }
    const objects = parsed.objects
    if (
      !Array.isArray(objects) ||
      objects.length === 0 ||
      !objects.every((o) => typeof o === 'string')
    )
      return problem(400, 'Bad Request', 'objects must be a non-empty array of strings')
    if (type === 'url' && !objects.every((o) => /^https?:\/\//.test(o)))
      return problem(400, 'Bad Request', 'url objects must be absolute URLs')
    stats.accepted += 1
    purges.push({ action, type, network, objects })
    return c.json(
      {
        httpStatus: 201,
        estimatedSeconds: options.estimatedSeconds ?? 5,
        purgeId: randomUUID(),
        supportId: randomUUID(),
        detail: 'Request accepted',
      },
      201,
    )
  })
  const server = loopbackServer(app)
  const url = await server.listen()
  return { url, host: new URL(url).host, purges, stats, faults, close: () => server.close() }
}

export type AkamaiEmulator = Awaited<ReturnType<typeof startAkamaiEmulator>>
