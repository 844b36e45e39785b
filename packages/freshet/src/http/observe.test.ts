import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminHeaders, errorOf, settle, startTestService, type TestService } from './app.fixture.ts'
import { framesOf } from './stream.fixture.ts'

interface Purges {
  purges: {
    batchId: string
    status: string
    reasons: { kind: string; detail: string }[]
    events: { id: string }[]
    layers: { name: string }[]
  }[]
}

describe('/api/purges, /api/retries, /api/stream', () => {
  let h: TestService
  const get = (path: string) => h.request(path, { headers: adminHeaders })
  const accept = async (body: unknown) => {
    const id = ((await (await h.hook(body)).json()) as { id: string }).id
    await settle(h, id)
    return id
  }
  beforeAll(async () => {
    h = await startTestService()
  })
  afterAll(async () => h?.close())

  it('finds every event that purged a path or a tag, newest first, with the reason', async () => {
    const first = await accept({ paths: ['/what/purged'], tags: ['t:1'] })
    const second = await accept({ paths: ['/what/purged', '/other'] })
    await accept({ paths: ['/what/purged/not'] })
    const byPath = (await (
      await get(`/api/purges?path=${encodeURIComponent('/what/purged')}`)
    ).json()) as Purges
    expect(byPath.purges.map((p) => p.events.map((e) => e.id))).toEqual([[second], [first]])
    expect(byPath.purges[0]?.reasons[0]?.kind).toBe('explicit')
    expect(byPath.purges[0]?.status).toBe('completed')
    const byTag = (await (await get('/api/purges?tag=t:1')).json()) as Purges
    expect(byTag.purges.map((p) => p.events.map((e) => e.id))).toEqual([[first]])
    const none = (await (await get('/api/purges?path=/never')).json()) as Purges
    expect(none.purges).toEqual([])
  })

  it('carries, for each stage that ran, when a worker picked its job up: queued before, working after', async () => {
    const id = await accept({ paths: ['/picked/up'] })
    const view = (await (await get(`/api/events/${id}`)).json()) as {
      batch: {
        stages: Record<string, { startedAt?: string; pickedUpAt?: string; endedAt?: string }>
      }
    }
    const ran = Object.entries(view.batch.stages).filter(([, record]) => record.startedAt)
    expect(ran.map(([name]) => name)).toContain('planning')
    for (const [name, record] of ran) {
      const [handedOff, picked, ended] = [record.startedAt, record.pickedUpAt, record.endedAt].map(
        (iso) => Date.parse(iso ?? ''),
      )
      expect(picked, name).toBeGreaterThanOrEqual(handedOff ?? Number.NaN)
      expect(picked, name).toBeLessThanOrEqual(ended ?? Number.NaN)
    }
  })

  it.each([
    ['neither path nor tag', '/api/purges'],
    ['both', '/api/purges?path=/a&tag=b'],
    ['an unknown parameter', '/api/purges?path=/a&url=/b'],
    ['a limit out of range', '/api/purges?path=/a&limit=0'],
  ])('answers 400 to %s', async (_, path) => {
    const response = await get(path)
    expect(response.status).toBe(400)
    expect((await errorOf(response)).code).toBe('invalid_query')
  })

  it('filters the list by time', async () => {
    const before = new Date().toISOString()
    const id = await accept({ paths: ['/timed'] })
    const since = (await (await get(`/api/events?since=${encodeURIComponent(before)}`)).json()) as {
      events: { id: string }[]
    }
    expect(since.events.map((e) => e.id)).toContain(id)
    const until = (await (await get(`/api/events?until=${encodeURIComponent(before)}`)).json()) as {
      events: { id: string }[]
    }
    expect(until.events.map((e) => e.id)).not.toContain(id)
    expect((await get('/api/events?since=yesterday')).status).toBe(400)
  })

  it('retries in bulk only failed events, and says why it skipped the others', async () => {
    const done = await accept({ paths: ['/bulk/done'] })
    const response = await h.request('/api/retries', {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [done, 'nope'] }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      retried: [],
      skipped: [
        { id: done, reason: 'completed, not failed' },
        { id: 'nope', reason: 'no such event' },
      ],
    })
    for (const body of ['{', '{"ids": []}', '{"ids": "x"}']) {
      const bad = await h.request('/api/retries', {
        method: 'POST',
        headers: { ...adminHeaders, 'content-type': 'application/json' },
        body,
      })
      expect(bad.status, body).toBe(400)
    }
  })

  it('streams the pipeline’s progress as Server-Sent Events, behind the token', async () => {
    expect((await h.request('/api/stream')).status).toBe(401)
    const controller = new AbortController()
    const response = await h.request('/api/stream', {
      headers: adminHeaders,
      signal: controller.signal,
    })
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    const id = ((await (await h.hook({ paths: ['/streamed'] })).json()) as { id: string }).id
    while (!text.includes('event: batch:completed')) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value)
    }
    expect(text).toContain('event: ready')
    expect(text).toContain(`"id":"${id}"`)
    expect(text).toContain('event: batch:completed')
    controller.abort()
    await reader.cancel().catch(() => {})
  })

  it('opens in the middle of a retry with the retry, not at its next attempt', async () => {
    const at = new Date().toISOString()
    const retry = { batchId: 'mid', podId: 'web-9', url: 'http://pod', attempt: 1, of: 3 }
    h.service.lifecycle.emit('pod:retrying', {
      ...retry,
      error: 'refused',
      nextAt: at,
      at,
      log: [],
    })
    /** The stream's frames until `stage:started` of batch `marker`, sent once it is open. */
    const framesUntilMarker = async () => {
      const controller = new AbortController()
      const response = await h.request('/api/stream', {
        headers: adminHeaders,
        signal: controller.signal,
      })
      const frames = framesOf(response)
      await expect.poll(() => frames.some((f) => f.event === 'ready')).toBe(true)
      h.service.lifecycle.emit('stage:started', { batchId: 'marker', stage: 'pods' })
      await expect.poll(() => frames.some((f) => f.data.batchId === 'marker')).toBe(true)
      controller.abort()
      return frames.map((f) => f.event)
    }
    expect(await framesUntilMarker()).toEqual(['ready', 'pod:retrying', 'stage:started'])
    h.service.lifecycle.emit('pod:delivered', {
      batchId: 'mid',
      podId: 'web-9',
      status: 'confirmed',
      attempts: 2,
      ms: 3,
    })
    expect(await framesUntilMarker()).toEqual(['ready', 'stage:started'])
  })
})
