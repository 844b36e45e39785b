import { signRequest } from '@contentful/node-apps-toolkit'
import fc from 'fast-check'
import { MAX_BODY_BYTES } from '../src/core/limits.ts'

/**
 * Requests for the fuzz test at the door: a valid webhook of each source (Directus with its
 * secret, Contentful signed by its own toolkit, generic with its token), then mutated: method,
 * path, query, headers, content type, body (garbage, truncated, bit-flipped, other JSON, over
 * the size limit).
 */

export const SECRETS = {
  directus: 'directus-flow-secret-for-fuzz-0123',
  contentful: 'fuzzSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM'.slice(0, 64),
  generic: 'generic-hook-token-for-fuzz-0123',
  admin: 'admin-token-for-fuzz-0123',
}

export interface FuzzRequest {
  /** Whose door: a source's webhook, or the admin API (with the admin token). */
  source: 'directus' | 'contentful' | 'generic' | 'admin'
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

const JSON_TYPE = 'application/json'
const plainText = (max: number) => fc.string({ maxLength: max, unit: 'grapheme-ascii' })

/** What an attacker puts in a string: NUL, lone surrogates, prototype names, dot segments. */
const HOSTILE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\udc00\ud800',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '.',
  '..',
  '../..',
  '%2e%2e',
  'a/b',
  '\u0085',
  '\u2028',
]
const hostileText = fc.constantFrom(...HOSTILE)
/** Mostly plain text; one in five hostile, on its own or inside plain text. */
const text = (max: number) =>
  fc.oneof(
    { weight: 4, arbitrary: plainText(max) },
    { weight: 1, arbitrary: hostileText },
    {
      weight: 1,
      arbitrary: fc.tuple(plainText(4), hostileText, plainText(4)).map((p) => p.join('')),
    },
  )
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/)
const id = fc.oneof(
  fc.integer({ min: -5, max: 1e9 }),
  fc.stringMatching(/^[a-zA-Z0-9-]{0,24}$/),
  hostileText,
)
/** JSON values whose strings and keys may be hostile, nested up to three levels. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text(12),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(text(8), tie('value'), { maxKeys: 3 }),
  ),
})).value
const fields = fc.dictionary(text(12), hostileJson, { maxKeys: 4 })

const directus = fc
  .record({
    collection: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('articles', 'pages', 'directus_files', 'x') },
      { weight: 1, arbitrary: hostileText },
    ),
    action: fc.constantFrom('create', 'update', 'delete', 'sort', 'login'),
    keys: fc.array(id, { minLength: 0, maxLength: 4 }),
    payload: fc.oneof(
      fields,
      fc
        .integer({ min: 60, max: 86_400 })
        .map((s) => ({ date_published: new Date(Date.now() + s * 1000).toISOString() })),
    ),
    viaQuery: fc.boolean(),
  })
  .map(
    (d): FuzzRequest => ({
      source: 'directus',
      method: 'POST',
      path: d.viaQuery ? `/hooks/directus?secret=${SECRETS.directus}` : '/hooks/directus',
      headers: {
        'content-type': JSON_TYPE,
        ...(d.viaQuery ? {} : { authorization: `Bearer ${SECRETS.directus}` }),
      },
      body: JSON.stringify({
        event: `${d.collection}.items.${d.action}`,
        collection: d.collection,
        keys: d.keys,
        payload: d.payload,
      }),
    }),
  )

const TOPICS = [
  'Entry.publish',
  'Entry.unpublish',
  'Entry.save',
  'Asset.delete',
  'ContentType.publish',
  'Entry.constructor',
  'Entry.__proto__',
  'Asset.toString',
]
/** Which headers a Contentful request's signature covers: both, or one left out. */
const SIGNED = [['content-type', 'x-contentful-topic'], ['content-type'], ['x-contentful-topic']]
const contentful = fc
  .record({
    topic: fc.constantFrom(...TOPICS),
    type: fc.constantFrom('Entry', 'Asset', 'DeletedEntry'),
    id: fc.oneof(
      { weight: 5, arbitrary: fc.stringMatching(/^[a-zA-Z0-9]{1,22}$/) },
      { weight: 1, arbitrary: hostileText },
    ),
    fields: fc.dictionary(text(8), fc.dictionary(fc.constantFrom('en-US', 'de'), hostileJson)),
    signed: fc.oneof(
      { weight: 8, arbitrary: fc.constant(SIGNED[0] as string[]) },
      { weight: 1, arbitrary: fc.constantFrom(...SIGNED.slice(1)) },
    ),
    key: fc.option(fc.stringMatching(/^[a-z0-9]{1,16}$/), { nil: undefined }),
    scheduled: fc.boolean(),
  })
  .map((c): FuzzRequest => {
    const body = JSON.stringify({
      sys: { type: c.type, id: c.id, contentType: { sys: { id: 'post' } } },
      fields: c.fields,
    })
    const headers: Record<string, string> = {
      'content-type': 'application/vnd.contentful.management.v1+json',
      'x-contentful-topic': `ContentManagement.${c.topic}`,
      ...(c.key ? { 'x-contentful-idempotency-key': c.key } : {}),
      ...(c.scheduled ? { 'x-contentful-scheduled-action-id': 'sa-1' } : {}),
    }
    const path = '/hooks/contentful'
    // The toolkit signs every header it is given: give it only those the signature covers.
    const covered = Object.fromEntries(
      Object.entries(headers).filter(([name]) => c.signed.includes(name) || name.includes('key')),
    )
    const signed = signRequest(
      SECRETS.contentful,
      { method: 'POST', path, headers: covered, body },
      Date.now(),
    )
    return { source: 'contentful', method: 'POST', path, headers: { ...headers, ...signed }, body }
  })

const generic = fc
  .record({
    paths: fc.array(
      fc.oneof(
        fc.stringMatching(/^\/[a-z0-9/*-]{0,20}$/),
        text(10),
        text(10).map((t) => `/${t}`),
      ),
      { maxLength: 4 },
    ),
    tags: fc.array(text(12), { maxLength: 3 }),
  })
  .map(
    (g): FuzzRequest => ({
      source: 'generic',
      method: 'POST',
      path: '/hooks/generic',
      headers: { 'content-type': JSON_TYPE, authorization: `Bearer ${SECRETS.generic}` },
      body: JSON.stringify(g),
    }),
  )

/** Percent-encoded as a hostile client may: a lone surrogate as its (invalid) UTF-8 bytes. */
function urlEncode(value: string): string {
  return [...value]
    .map((ch) => {
      try {
        return encodeURIComponent(ch)
      } catch {
        const unit = ch.charCodeAt(0)
        const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('')
      }
    })
    .join('')
}

const queryValue = fc.oneof(
  text(12),
  fc.constantFrom('completed', 'failed', 'received', '1', '0', '-1', '500', '1e3', 'abc', ''),
  fc.constantFrom('2026-01-01T00:00:00Z', '2026-04', '2026-13', 'yesterday', '/articles/a'),
  fc
    .tuple(fc.constantFrom('2026-01-01T00:00:00Z', 'x'), text(8))
    .map(([at, rest]) => Buffer.from(`${at}|${rest}`).toString('base64url')),
)
const query = (names: string[]) =>
  fc
    .dictionary(fc.constantFrom(...names, 'x', '__proto__'), queryValue, { maxKeys: 3 })
    .map((q) => {
      const pairs = Object.entries(q).map(([k, v]) => `${urlEncode(k)}=${urlEncode(v)}`)
      return pairs.length > 0 ? `?${pairs.join('&')}` : ''
    })

const ADMIN_JSON = { 'content-type': JSON_TYPE, authorization: `Bearer ${SECRETS.admin}` }
const adminGet = (path: string): FuzzRequest => ({
  source: 'admin',
  method: 'GET',
  path,
  headers: { authorization: `Bearer ${SECRETS.admin}` },
  body: '',
})
const adminPost = (path: string, body: unknown): FuzzRequest => ({
  source: 'admin',
  method: 'POST',
  path,
  headers: ADMIN_JSON,
  body: typeof body === 'string' ? body : JSON.stringify(body),
})
/** Header names and values for a dry run: fine ones, and what `new Headers` throws on. */
const simulatedHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom('content-type', 'x-contentful-topic', 'authorization', 'a b', '', 'é', 'a:b'),
    text(8),
  ),
  fc.oneof(
    fc.constantFrom(JSON_TYPE, 'ContentManagement.Entry.publish', 'x\ny', '\u0100', ' ', 'a\rb'),
    text(12),
  ),
  { maxKeys: 3 },
)
const webhookBody = fc.oneof(directus, contentful, generic).map((r) => r.body)
const eventIdText = fc.oneof(fc.uuid().map(String), text(12), fc.constantFrom('%00', '%ZZ', '..'))

/** Every admin route, each fed hostile query strings, ids and bodies, with the admin token. */
const admin: fc.Arbitrary<FuzzRequest> = fc.oneof(
  query(['status', 'source', 'limit', 'cursor', 'since', 'until']).map((q) =>
    adminGet(`/api/events${q}`),
  ),
  eventIdText.map((id) => adminGet(`/api/events/${urlEncode(id)}`)),
  eventIdText.map((id) => adminPost(`/api/events/${urlEncode(id)}/retry`, '')),
  query(['path', 'tag', 'limit']).map((q) => adminGet(`/api/purges${q}`)),
  fc
    .tuple(fc.constantFrom('path', 'tag'), text(12))
    .map(([k, v]) => adminGet(`/api/purges?${k}=${urlEncode(v)}`)),
  query(['month']).map((q) => adminGet(`/api/billing${q}`)),
  generic.map((r) => adminPost('/api/invalidations', r.body)),
  fc
    .oneof(
      fc.record({ ids: fc.array(eventIdText, { maxLength: 4 }) }),
      fc.record({ ids: hostileJson }),
      hostileJson,
    )
    .map((b) => adminPost('/api/retries', b)),
  fc
    .record({
      source: fc.oneof(fc.constantFrom('generic', 'directus', 'contentful'), text(8)),
      body: fc.oneof(
        webhookBody,
        webhookBody.map((b) => JSON.parse(b) as unknown),
        hostileJson,
      ),
      headers: fc.option(simulatedHeaders, { nil: undefined }),
    })
    .map((b) => adminPost('/api/simulate', b)),
  fc.constant(adminGet('/api/stream')),
)

type Mutation = (r: FuzzRequest) => FuzzRequest

const HEADERS = [
  'authorization',
  'content-type',
  'x-contentful-topic',
  'x-contentful-signature',
  'x-contentful-signed-headers',
  'x-contentful-timestamp',
  'x-contentful-idempotency-key',
  'x-contentful-scheduled-action-id',
]
const PATHS = [
  '/hooks/directus',
  '/hooks/contentful',
  '/hooks/generic',
  '/hooks/unknown',
  '/hooks/',
  '/hooks/directus/x',
  '/hooks/%ZZ',
  '/api/events',
  '/api/invalidations',
  '/api/simulate',
  '/api/events/nope/retry',
  '/nowhere',
]
const CONTENT_TYPES = [
  '',
  'text/plain',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
]

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')
    .map((m) => (r: FuzzRequest) => ({ ...r, method: m })),
  fc.constantFrom(...PATHS).map((p) => (r: FuzzRequest) => ({ ...r, path: p })),
  fc.stringMatching(/^[a-z=&%0-9]{0,20}$/).map((q) => (r: FuzzRequest) => ({
    ...r,
    path: `${r.path}${r.path.includes('?') ? '&' : '?'}${q}`,
  })),
  fc
    .constantFrom(...HEADERS)
    .map((h) => (r: FuzzRequest) => ({ ...r, headers: without(r.headers, h) })),
  fc.tuple(fc.constantFrom(...HEADERS), headerValue).map(([h, v]) => (r: FuzzRequest) => ({
    ...r,
    headers: { ...r.headers, [h]: v },
  })),
  fc
    .constantFrom(...CONTENT_TYPES)
    .map((t) => (r: FuzzRequest) => ({ ...r, headers: { ...r.headers, 'content-type': t } })),
  fc
    .nat()
    .map((n) => (r: FuzzRequest) => ({ ...r, body: r.body.slice(0, n % (r.body.length + 1)) })),
  fc
    .tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 }))
    .map(([n, c]) => (r: FuzzRequest) => {
      const at = n % Math.max(1, r.body.length)
      return { ...r, body: `${r.body.slice(0, at)}${c}${r.body.slice(at + 1)}` }
    }),
  text(200).map((b) => (r: FuzzRequest) => ({ ...r, body: b })),
  fc.json({ maxDepth: 3 }).map((b) => (r: FuzzRequest) => ({ ...r, body: b })),
)

/** A Content-Length that is not the body's (the HTTP server holds a real one to it). */
const lyingLength = fc
  .oneof(fc.nat({ max: 64 }), fc.integer({ min: MAX_BODY_BYTES - 10, max: MAX_BODY_BYTES * 4 }))
  .map((n) => (r: FuzzRequest) => ({
    ...r,
    headers: { ...r.headers, 'content-length': String(n) },
  }))

/** Rare: nested far past the cap (up to 300,000 levels), or just past it, in a valid request. */
const deep = fc.integer({ min: 60, max: 300_000 }).map((n) => (r: FuzzRequest) => ({
  ...r,
  body: `{"paths":${'['.repeat(n)}${']'.repeat(n)},"payload":{}}`,
}))

/** Rare, and each a megabyte: bodies over the limit, valid JSON or not. */
const oversize = fc.boolean().map((json) => (r: FuzzRequest) => ({
  ...r,
  body: json
    ? JSON.stringify({ paths: ['/'], pad: 'x'.repeat(MAX_BODY_BYTES) })
    : 'y'.repeat(MAX_BODY_BYTES + 1),
}))

function without(headers: Record<string, string>, name: string) {
  const copy = { ...headers }
  delete copy[name]
  return copy
}

const SOURCES = { directus, contentful, generic, admin }

/**
 * A valid request of the source (of any, when none is named), unchanged (one in five) or with
 * up to three mutations; now and then a lying Content-Length, a deep or an oversize body.
 */
export function fuzzRequestFor(source?: keyof typeof SOURCES): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      source ? SOURCES[source] : fc.oneof(directus, contentful, generic),
      fc.oneof(
        { weight: 20, arbitrary: fc.constant([] as Mutation[]) },
        { weight: 80, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
        { weight: 3, arbitrary: lyingLength.map((m) => [m]) },
        { weight: 1, arbitrary: deep.map((m) => [m]) },
        { weight: 1, arbitrary: oversize.map((m) => [m]) },
      ),
    )
    .map(([request, mutations]) => mutations.reduce((r, mutate) => mutate(r), request))
}

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fuzzRequestFor()

export function toInit(r: FuzzRequest): RequestInit {
  const bodyless = r.method === 'GET' || r.method === 'HEAD'
  return { method: r.method, headers: r.headers, ...(bodyless ? {} : { body: r.body }) }
}
