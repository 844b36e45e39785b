import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertEvents } from '../store/events.ts'
import {
  ADMIN_TOKEN,
  adminHeaders,
  errorOf,
  settle,
  startTestService,
  type TestService,
} from './app.fixture.ts'

interface Listed {
  events: { id: string; status: string; source: string; receivedAt: string }[]
  next: string | null
}

describe('admin API /api/*', () => {
  let h: TestService
  const get = async (path: string) => h.request(path, { headers: adminHeaders })
  const accept = async (body: unknown) => {
    const response = await h.hook(body)
    return ((await response.json()) as { id: string }).id
  }
  beforeAll(async () => {
    h = await startTestService()
  })
  afterAll(async () => h?.close())

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['the token as another scheme', { authorization: `Token ${ADMIN_TOKEN}` }],
  ])('answers 401 with %s, on every admin route', async (_, headers) => {
    for (const [method, path] of [
      ['GET', '/api/events'],
      ['GET', '/api/events/x'],
      ['POST', '/api/events/x/retry'],
      ['POST', '/api/invalidations'],
      ['POST', '/api/simulate'],
    ] as const) {
      const response = await h.request(path, { method, headers })
      expect(response.status, `${method} ${path}`).toBe(401)
      expect((await errorOf(response)).code).toBe('unauthorized')
    }
  })

  it('answers 401 admin_disabled when no admin token is configured, whatever is presented', async () => {
    const app = h.appWith({ adminToken: undefined })
    for (const headers of [{}, adminHeaders, { authorization: 'Bearer ' }]) {
      const response = await app.request('/api/events', { headers })
      expect(response.status).toBe(401)
      expect((await errorOf(response)).code).toBe('admin_disabled')
    }
  })

  it('answers 404 for an unknown event, on read and on retry', async () => {
    const read = await get('/api/events/no-such-event')
    expect(read.status).toBe(404)
    expect((await errorOf(read)).code).toBe('not_found')
    const retry = await h.request('/api/events/no-such-event/retry', {
      method: 'POST',
      headers: adminHeaders,
    })
    expect(retry.status).toBe(404)
  })

  it('answers 409 not_failed to a retry of an event that did not fail', async () => {
    const id = await accept({ paths: ['/retry-me'] })
    for (const when of ['pending', 'completed']) {
      if (when === 'completed') expect((await settle(h, id)).status).toBe('completed')
      const response = await h.request(`/api/events/${id}/retry`, {
        method: 'POST',
        headers: adminHeaders,
      })
      expect(response.status, when).toBe(409)
      expect((await errorOf(response)).code).toBe('not_failed')
    }
  })

  it('lists events recent first, page by page with the cursor, each once', async () => {
    const mine: string[] = []
    for (let i = 0; i < 7; i++) mine.push(await accept({ paths: [`/page/${i}`] }))
    const seen: Listed['events'] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = cursor ? `&cursor=${cursor}` : ''
      const response = await get(`/api/events?limit=3${query}`)
      expect(response.status).toBe(200)
      const page = (await response.json()) as Listed
      expect(page.events.length).toBeLessThanOrEqual(3)
      seen.push(...page.events)
      cursor = page.next
      pages++
    } while (cursor && pages < 50)
    const ids = seen.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(expect.arrayContaining(mine))
    // Recent first: the events accepted one after another come out in reverse order.
    expect(ids.filter((id) => mine.includes(id))).toEqual([...mine].reverse())
    const times = seen.map((e) => Date.parse(e.receivedAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('filters by status and by source', async () => {
    const id = await accept({ tags: ['filter-me'] })
    await settle(h, id)
    const completed = (await (await get('/api/events?status=completed')).json()) as Listed
    expect(completed.events.map((e) => e.id)).toContain(id)
    expect(completed.events.every((e) => e.status === 'completed')).toBe(true)
    const failed = (await (await get('/api/events?status=failed')).json()) as Listed
    expect(failed.events).toEqual([])
    const manual = (await (await get('/api/events?source=manual')).json()) as Listed
    expect(manual.events.every((e) => e.source === 'manual')).toBe(true)
    expect(manual.events.map((e) => e.id)).not.toContain(id)
  })

  it.each([
    ['an unknown status', 'status=done', 'status'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit over 500', 'limit=501', 'limit'],
    ['a limit that is not a number', 'limit=ten', 'limit'],
    ['an unknown parameter', 'order=asc', 'order'],
    ['a cursor this API never gave', 'cursor=bm9uc2Vuc2U', 'cursor'],
  ])('answers 400 to %s', async (_, query, named) => {
    const response = await get(`/api/events?${query}`)
    expect(response.status).toBe(400)
    const error = await errorOf(response)
    expect(error.code).toMatch(/^invalid_(query|cursor)$/)
    expect(error.message).toContain(named)
  })

  it('POST /api/invalidations accepts a manual purge, which completes', async () => {
    const response = await h.request('/api/invalidations', {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['/manual'], tags: ['manual-tag'] }),
    })
    expect(response.status).toBe(202)
    const { id } = (await response.json()) as { id: string }
    const event = (await settle(h, id)) as { status: string; source?: string }
    expect(event).toMatchObject({ status: 'completed', source: 'manual' })
  })

  it('POST /api/invalidations validates like the generic hook', async () => {
    const post = (body: string, type = 'application/json') =>
      h.request('/api/invalidations', {
        method: 'POST',
        headers: { ...adminHeaders, 'content-type': type },
        body,
      })
    expect((await post('{}')).status).toBe(400)
    expect((await post('{"paths":["nope"]}')).status).toBe(400)
    expect((await post('{"paths":')).status).toBe(400)
    expect((await post('{"paths":["/a"]}', 'text/plain')).status).toBe(415)
  })
})

describe("admin API: an event's trace", () => {
  let t: TestService
  beforeAll(async () => {
    t = await startTestService()
  })
  afterAll(async () => t?.close())

  it('names the trace of an event, linked when FRESHET_TRACE_URL gives a template', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const traced = { id: 'traced-event', traceContext: `00-${traceId}-00f067aa0ba902b7-01` }
    await insertEvents(t.service.db, [
      ...[traced, { id: 'untraced-event', traceContext: undefined }].map((e) => ({
        ...e,
        source: 'generic',
        receivedAt: new Date(),
        bodyDigest: 'sha256:x',
        changes: [],
      })),
    ])
    const view = async (app: { request: typeof t.request }, id: string) =>
      (await (await app.request(`/api/events/${id}`, { headers: adminHeaders })).json()) as {
        traceId: string | null
        traceUrl: string | null
      }
    const linked = t.appWith({
      adminToken: ADMIN_TOKEN,
      traceUrl: 'https://grafana.example.com/explore?traceId={traceId}',
    })
    expect(await view(linked, 'traced-event')).toMatchObject({
      traceId,
      traceUrl: `https://grafana.example.com/explore?traceId=${traceId}`,
    })
    expect(await view(t, 'traced-event')).toMatchObject({ traceId, traceUrl: null })
    expect(await view(linked, 'untraced-event')).toMatchObject({ traceId: null, traceUrl: null })
    const listed = (await (
      await t.request('/api/events?limit=50', { headers: adminHeaders })
    ).json()) as {
      events: { id: string; traceId: string | null }[]
    }
    expect(listed.events.find((e) => e.id === 'traced-event')?.traceId).toBe(traceId)
  })
})
