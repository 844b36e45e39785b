import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signRequest } from '@contentful/node-apps-toolkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../config/load.ts'
import { createService, type Service } from '../service.ts'
import { testPostgres, uniqueSchema } from '../store/test-stores.ts'
import { adminHeaders, errorOf, startTestService, type TestService } from './app.fixture.ts'

/**
 * Strings `jsonb` refuses (NUL, lone surrogates) in any field of any source's body: a 400 that
 * names the field, and nothing stored; the same body without them is accepted. On both stores,
 * since each refuses them in its own words.
 */

const GENERIC = 'generic-token-unstorable'
const DIRECTUS = 'directus-secret-unstorable'
const CONTENTFUL = 'unstorableSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDE'.slice(0, 64)
const ADMIN = 'admin-token-unstorable'

// As JSON text, so the escapes reach the server as a CMS would send them.
const NUL = '\\u0000'
const LONE = '\\ud800'
const LOW = '\\udfff'

const stores: { name: string; url?: string }[] = [{ name: 'pglite' }]
const pgUrl = await testPostgres('strings the store cannot keep')
if (pgUrl) stores.push({ name: 'postgres', url: pgUrl })

type Case = [
  what: string,
  source: string,
  body: (bad: string) => string,
  field: string,
  fine?: string,
]

const cases: Case[] = [
  ['generic path', 'generic', (x) => `{"paths":["/ok","/a${x}"]}`, 'paths.1'],
  ['generic tag', 'generic', (x) => `{"tags":["t${x}"]}`, 'tags.0', '-ok'],
  [
    'Directus key',
    'directus',
    (x) => `{"event":"articles.items.update","keys":["1","k${x}"]}`,
    'keys.1',
  ],
  [
    'Directus payload',
    'directus',
    (x) => `{"event":"articles.items.update","keys":[1],"payload":{"title":"a${x}b"}}`,
    'payload.title',
  ],
  [
    'Directus payload key',
    'directus',
    (x) => `{"event":"articles.items.update","keys":[1],"payload":{"ti${x}tle":"a"}}`,
    'payload',
  ],
  [
    'Directus collection',
    'directus',
    (x) => `{"event":"items.update","collection":"art${x}","keys":[1]}`,
    'collection',
  ],
  [
    'Contentful field',
    'contentful',
    (x) =>
      `{"sys":{"type":"Entry","id":"e1","contentType":{"sys":{"id":"post"}}},"fields":{"title":{"en-US":"a${x}"}}}`,
    'fields.title.en-US',
  ],
  [
    'Contentful sys',
    'contentful',
    (x) =>
      `{"sys":{"type":"Entry","id":"e1","contentType":{"sys":{"id":"post"}},"updatedBy":{"sys":{"id":"u${x}"}}}}`,
    'sys.updatedBy.sys.id',
  ],
  ['manual purge', 'manual', (x) => `{"paths":["/m${x}"]}`, 'paths.0'],
]

function requestFor(source: string, body: string): [string, RequestInit] {
  const json = { 'content-type': 'application/json' }
  if (source === 'generic' || source === 'manual') {
    const token = source === 'generic' ? GENERIC : ADMIN
    const path = source === 'generic' ? '/hooks/generic' : '/api/invalidations'
    return [path, { method: 'POST', body, headers: { ...json, authorization: `Bearer ${token}` } }]
  }
  if (source === 'directus') {
    return [
      '/hooks/directus',
      { method: 'POST', body, headers: { ...json, authorization: `Bearer ${DIRECTUS}` } },
    ]
  }
  const headers = {
    'content-type': 'application/vnd.contentful.management.v1+json',
    'x-contentful-topic': 'ContentManagement.Entry.publish',
  }
  const path = '/hooks/contentful'
  const signed = signRequest(CONTENTFUL, { method: 'POST', path, headers, body }, Date.now())
  return [path, { method: 'POST', body, headers: { ...headers, ...signed } }]
}

describe.each(stores)('strings the store cannot keep, on $name', ({ url }) => {
  let dir: string
  let service: Service
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'freshet-unstorable-'))
    const config = parseConfig(
      {
        server: { port: 0, adminToken: ADMIN },
        store: { dir, ...(url ? { url, schema: uniqueSchema() } : {}) },
        sources: {
          generic: { token: GENERIC },
          directus: { secret: DIRECTUS },
          contentful: { signingSecret: CONTENTFUL },
        },
        planner: { coalesce: { windowMs: 0, maxWaitMs: 0 } },
      },
      {} as NodeJS.ProcessEnv,
      'unstorable-tests',
    )
    service = await createService(config)
  }, 120_000)
  afterAll(async () => {
    await service?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const count = async () =>
    (await service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]?.n ?? 0

  it.each(cases)(
    'a %s: 400 naming the field, nothing stored',
    async (_, source, body, field, fine = '\\ud83d\\ude00') => {
      for (const bad of [NUL, LONE, LOW, `${LOW}${LONE}`]) {
        const before = await count()
        const response = await service.app.request(...requestFor(source, body(bad)))
        expect(response.status, `${source} with ${bad}`).toBe(400)
        const error = await errorOf(response)
        expect(error.code).toBe('invalid_body')
        expect(error.message.startsWith(`${field}: `), error.message).toBe(true)
        expect(error.message).toMatch(bad === NUL ? /NUL/ : /surrogate/)
        expect(await count()).toBe(before)
      }
      // The same body with a well-formed pair instead is stored: the check is not too wide.
      const stored = await service.app.request(...requestFor(source, body(fine)))
      expect(stored.status).toBe(202)
    },
  )

  it('answers 400 to nesting deeper than the cap, naming where', async () => {
    const deep = `{"event":"articles.items.update","keys":[1],"payload":{"a":${'['.repeat(100)}${']'.repeat(100)}}}`
    const response = await service.app.request(...requestFor('directus', deep))
    expect(response.status).toBe(400)
    expect((await errorOf(response)).message).toMatch(/^payload\.a(\.0)*: nests deeper than 64/)
    const flood = `{"paths":${'['.repeat(200_000)}${']'.repeat(200_000)}}`
    const answer = await service.app.request(...requestFor('generic', flood))
    expect(answer.status).toBe(400)
  })
})

describe('the admin API with what the store cannot hold in its URL', () => {
  let h: TestService
  beforeAll(async () => {
    h = await startTestService()
  })
  afterAll(async () => h?.close())

  it.each([
    ['/api/events/a%00b', 404],
    ['/api/events/%ED%A0%80', 404],
    ['/api/events?source=a%00', 400],
    [
      `/api/events?cursor=${Buffer.from('2026-01-01T00:00:00Z|a\u0000').toString('base64url')}`,
      400,
    ],
  ])('GET %s answers %i', async (path, status) => {
    const response = await h.request(path, { headers: adminHeaders })
    expect(response.status).toBe(status)
    await errorOf(response)
  })

  const json = { ...adminHeaders, 'content-type': 'application/json' }
  const post = (body: string) => ({ method: 'POST', headers: json, body })
  const simulate = (extra: string) => post(`{"source":"generic","body":{"paths":["/a"]},${extra}}`)

  // Each answered 500 before: the store refused the string, or `new Headers` threw.
  it.each([
    [
      '/api/purges?path=%00',
      'a NUL path',
      { headers: adminHeaders },
      'invalid_query',
      'path: ',
      /NUL/,
    ],
    [
      '/api/purges?tag=a%00',
      'a NUL tag',
      { headers: adminHeaders },
      'invalid_query',
      'tag: ',
      /NUL/,
    ],
    ['/api/retries', 'a NUL id', post('{"ids":["\\u0000"]}'), 'invalid_body', 'ids.0: ', /NUL/],
    [
      '/api/retries',
      'a lone surrogate id',
      post('{"ids":["ok","\\ud800"]}'),
      'invalid_body',
      'ids.1: ',
      /surrogate/,
    ],
    [
      '/api/simulate',
      'a header name with a space',
      simulate('"headers":{"a b":"x"}'),
      'invalid_body',
      'headers.a b: ',
      /name/,
    ],
    [
      '/api/simulate',
      'a header value with LF',
      simulate('"headers":{"a":"x\\ny"}'),
      'invalid_body',
      'headers.a: ',
      /value/,
    ],
    [
      '/api/simulate',
      'a header value past U+00FF',
      simulate('"headers":{"a":"\\u0100"}'),
      'invalid_body',
      'headers.a: ',
      /value/,
    ],
    [
      '/api/simulate',
      'a NUL source',
      post('{"source":"g\\u0000","body":{}}'),
      'invalid_body',
      'source: ',
      /NUL/,
    ],
  ])('%s, %s: 400 naming the field', async (path, _what, init, code, field, why) => {
    const response = await h.request(path, init)
    expect(response.status).toBe(400)
    const error = await errorOf(response)
    expect(error.code).toBe(code)
    expect(error.message.startsWith(field), error.message).toBe(true)
    expect(error.message).toMatch(why)
  })

  it('takes only JSON bodies on /api/retries and /api/simulate, as on every other route', async () => {
    for (const path of ['/api/retries', '/api/simulate']) {
      const response = await h.request(path, {
        method: 'POST',
        headers: { ...adminHeaders, 'content-type': 'text/plain' },
        body: '{"ids":["x"]}',
      })
      expect(response.status, path).toBe(415)
      expect((await errorOf(response)).code).toBe('unsupported_content_type')
    }
  })
})
