import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { genericSource } from '../sources/generic.ts'
import {
  adminHeaders,
  errorOf,
  HOOK_TOKEN,
  hookHeaders,
  settle,
  startTestService,
  type TestService,
} from './app.fixture.ts'

describe('POST /hooks/generic', () => {
  let h: TestService
  beforeAll(async () => {
    h = await startTestService()
  })
  afterAll(async () => h?.close())

  it('answers 202 {id} once persisted; GET /api/events/:id shows it to completion', async () => {
    const response = await h.hook({ paths: ['/a', '/a', '/b'], tags: ['t1'] })
    expect(response.status).toBe(202)
    const { id } = (await response.json()) as { id: string }
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const stored = await h.request(`/api/events/${id}`, { headers: adminHeaders })
    expect(stored.status).toBe(200)
    expect(await stored.json()).toMatchObject({ id, source: 'generic' })
    // No pods and no CDN configured: every stage is skipped, and the event says so.
    const final = (await settle(h, id)) as unknown as { status: string; batch: { stages: object } }
    expect(final.status).toBe('completed')
    expect(final.batch.stages).toMatchObject({ pods: { skipped: expect.any(String) } })
  })

  it.each([
    ['no Authorization header', { 'content-type': 'application/json' }],
    ['a wrong Bearer token', { ...hookHeaders, authorization: 'Bearer not-the-token' }],
    ['another scheme', { ...hookHeaders, authorization: `Basic ${HOOK_TOKEN}` }],
  ])('answers 401 with %s', async (_, headers) => {
    const response = await h.hook({ paths: ['/a'] }, headers)
    expect(response.status).toBe(401)
    expect((await errorOf(response)).code).toBe('unauthorized')
  })

  it('answers 415 to a body that is not JSON by its content type', async () => {
    const response = await h.hook('{"paths":["/a"]}', {
      ...hookHeaders,
      'content-type': 'text/plain',
    })
    expect(response.status).toBe(415)
    expect(await errorOf(response)).toMatchObject({ code: 'unsupported_content_type' })
  })

  it('answers 400 invalid_json to broken JSON', async () => {
    const response = await h.hook('{"paths": [', hookHeaders)
    expect(response.status).toBe(400)
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_json' })
  })

  it.each([
    ['a path without a leading /', { paths: ['articles/x'] }, 'paths.0', 'must start with "/"'],
    ['a path over 2,048 characters', { paths: [`/${'a'.repeat(2048)}`] }, 'paths.0', 'longer'],
    ['a path with a newline', { paths: ['/ok', '/a\nb'] }, 'paths.1', 'control character'],
    ['a path with DEL', { paths: ['/a\u007fb'] }, 'paths.0', 'control character'],
    ['a tag over 256 characters', { tags: ['t'.repeat(257)] }, 'tags.0', 'longer than 256'],
    ['an empty tag', { tags: [''] }, 'tags.0', 'empty'],
    ['a tag with a space', { paths: ['/ok'], tags: ['a b'] }, 'tags.0', 'printable'],
    ['a non-ASCII tag', { tags: ['ok', 'café'] }, 'tags.1', 'printable'],
    ['a tag with a control character', { tags: ['a\tb'] }, 'tags.0', 'printable'],
    ['an empty body {}', {}, '(body)', 'at least one path or tag'],
    ['empty lists', { paths: [], tags: [] }, '(body)', 'at least one path or tag'],
    ['an unknown key', { paths: ['/a'], urls: ['/b'] }, '(body)', 'urls'],
    ['paths that is not a list', { paths: '/a' }, 'paths', 'expected array'],
    ['a JSON array', [], '(body)', 'expected object'],
    ['JSON null', null, '(body)', 'expected object'],
  ])('answers 400 naming the problem for %s', async (_, body, where, what) => {
    const response = await h.hook(JSON.stringify(body))
    expect(response.status).toBe(400)
    const error = await errorOf(response)
    expect(error.code).toBe('invalid_body')
    expect(error.message.startsWith(`${where}: `)).toBe(true)
    expect(error.message).toContain(what)
  })

  it('accepts a path of exactly 1,024 characters and a tag of exactly 256', async () => {
    const response = await h.hook({ paths: [`/${'a'.repeat(2047)}`], tags: ['t'.repeat(256)] })
    expect(response.status).toBe(202)
  })

  it('answers 413 to a body over 1 MiB, and accepts one just under', async () => {
    const big = JSON.stringify({ paths: ['/a'], pad: 'x'.repeat(1024 * 1024) })
    const tooLarge = await h.hook(big)
    expect(tooLarge.status).toBe(413)
    expect((await errorOf(tooLarge)).code).toBe('body_too_large')
    const paths = Array.from({ length: 900 }, (_, i) => `/${String(i).padStart(1000, 'p')}`)
    const under = JSON.stringify({ paths })
    expect(under.length).toBeLessThan(1024 * 1024)
    expect((await h.hook(under)).status).toBe(202)
  })

  it('answers 413 from the streamed size when no Content-Length is given', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 20) controller.close()
        else controller.enqueue(chunk)
      },
    })
    const response = await h.request('/hooks/generic', {
      method: 'POST',
      headers: hookHeaders,
      body,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
  })

  it('answers 404 unknown_source for a source that is not configured', async () => {
    for (const name of ['directus', 'contentful', 'nope']) {
      const response = await h.request(`/hooks/${name}`, {
        method: 'POST',
        headers: hookHeaders,
        body: '{}',
      })
      expect(response.status).toBe(404)
      expect(await errorOf(response)).toMatchObject({ code: 'unknown_source' })
    }
  })

  it('answers 503 shutting_down while the service stops taking webhooks', async () => {
    const app = h.appWith({
      sources: new Map([['generic', genericSource({ token: HOOK_TOKEN })]]),
      accepting: () => false,
    })
    const response = await app.request('/hooks/generic', {
      method: 'POST',
      headers: hookHeaders,
      body: '{"paths":["/a"]}',
    })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect((await errorOf(response)).code).toBe('shutting_down')
  })
})
