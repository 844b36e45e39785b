import { Writable } from 'node:stream'
import { signRequest } from '@contentful/node-apps-toolkit'
import { createDirectusEmulator, type DirectusEmulator } from '@freshet/emulators/directus'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logLifecycle } from '../src/observability/logging.ts'
import { adminHeaders, type Harness, HOOK, startHarness } from './harness.ts'

/** Directus and Contentful webhooks through the real HTTP app, to Completed on real test pods. */

const DIRECTUS_SECRET = 'directus-flow-secret-for-e2e-0123'
const DIRECTUS_TOKEN = 'directus-static-token-for-e2e'
const CONTENTFUL_SECRET = 'e2eSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL'
const SECRETS = [DIRECTUS_SECRET, DIRECTUS_TOKEN, CONTENTFUL_SECRET, HOOK]

let h: Harness
let directus: DirectusEmulator
const answers: string[] = []
const logLines: string[] = []

beforeAll(async () => {
  directus = createDirectusEmulator({ token: DIRECTUS_TOKEN })
  const url = await directus.listen()
  directus.graph.set('articles', { id: 1, slug: 'hello', title: 'Hello', date_published: null })
  h = await startHarness({
    pods: 2,
    overrides: {
      sources: {
        generic: { token: HOOK },
        directus: {
          secret: DIRECTUS_SECRET,
          url,
          token: DIRECTUS_TOKEN,
          schedule: { collections: [{ collection: 'articles', field: 'date_published' }] },
        },
        contentful: { signingSecret: CONTENTFUL_SECRET, spaceId: 'space1' },
      },
      routes: [
        { collection: 'articles', source: 'directus', paths: ['/articles/{slug}'] },
        { collection: 'post', source: 'contentful', paths: ['/blog/{slug}'] },
      ],
    },
  })
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk))
      done()
    },
  })
  logLifecycle(h.service.lifecycle, pino({ level: 'trace' }, sink))
})
afterAll(async () => {
  await h?.close()
  await directus?.close()
})

async function send(path: string, init: RequestInit) {
  const response = await h.request(path, { method: 'POST', ...init })
  const text = await response.text()
  answers.push(text)
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> }
}

const countEvents = async () =>
  (await h.service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]?.n ?? 0

const directusBody = (id: number, payload: Record<string, unknown>) =>
  JSON.stringify({
    event: 'articles.items.update',
    payload,
    keys: [String(id)],
    collection: 'articles',
  })

function contentful(topic: string, extra: Record<string, string> = {}, at = Date.now()) {
  const body = JSON.stringify({
    sys: {
      type: 'Entry',
      id: 'entry-1',
      contentType: { sys: { id: 'post' } },
      space: { sys: { id: 'space1' } },
      environment: { sys: { id: 'master' } },
    },
    fields: { slug: { 'en-US': 'first-post' }, title: { 'en-US': 'First' } },
  })
  const headers: Record<string, string> = {
    'content-type': 'application/vnd.contentful.management.v1+json',
    'x-contentful-topic': `ContentManagement.${topic}`,
    ...extra,
  }
  const path = '/hooks/contentful'
  const signed = signRequest(CONTENTFUL_SECRET, { method: 'POST', path, headers, body }, at)
  return { path, headers: { ...headers, ...signed } as Record<string, string>, body }
}

const podPaths = () =>
  h.pods.flatMap((p) => p.calls.flatMap((c) => (c.body as { paths?: string[] })?.paths ?? []))

describe('Directus through the HTTP app', () => {
  it('takes a Flow body with the secret as Bearer or ?secret=, and completes it', async () => {
    const headers = { 'content-type': 'application/json' }
    const bearer = await send('/hooks/directus', {
      headers: { ...headers, authorization: `Bearer ${DIRECTUS_SECRET}` },
      body: directusBody(1, { title: 'Hello again' }),
    })
    const query = await send(`/hooks/directus?secret=${DIRECTUS_SECRET}`, {
      headers,
      body: directusBody(1, { title: 'Hello once more' }),
    })
    for (const answer of [bearer, query]) {
      expect(answer.status).toBe(202)
      expect((await h.settle(String(answer.body.id))).status).toBe('completed')
    }
    expect(podPaths()).toContain('/articles/hello')
  })

  it('refuses a wrong secret with 401 and stores nothing', async () => {
    const before = await countEvents()
    const answer = await send('/hooks/directus?secret=not-the-secret-at-all', {
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: directusBody(1, {}),
    })
    expect(answer.status).toBe(401)
    expect(answer.body).toMatchObject({ error: { code: 'unauthorized' } })
    expect(await countEvents()).toBe(before)
  })

  it('delays a future publish date to that moment; the sweep then takes nothing again', async () => {
    const publishAt = new Date(Date.now() + 4000)
    directus.graph.set('articles', { id: 2, slug: 'soon', date_published: publishAt.toISOString() })
    const answer = await send('/hooks/directus', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${DIRECTUS_SECRET}` },
      body: directusBody(2, { date_published: publishAt.toISOString() }),
    })
    expect(answer.status).toBe(202)
    expect(answer.body).toMatchObject({ status: 'scheduled', notBefore: publishAt.toISOString() })
    const id = String(answer.body.id)
    expect(await h.event(id)).toMatchObject({ status: 'scheduled' })
    const done = await h.settle(id, 30_000)
    expect(done.status).toBe('completed')
    expect(Date.parse(String(done.finishedAt))).toBeGreaterThanOrEqual(publishAt.getTime())
    expect(podPaths()).toContain('/articles/soon')
    await h.service.sweeper?.runOnce()
    const forItem = await h.service.db.query(
      `SELECT id FROM events WHERE changes @> '[{"collection":"articles","id":"2"}]'`,
    )
    expect(forItem).toHaveLength(1)
  })

  it('sweeps an item that went live with no webhook, once, to Completed', async () => {
    const publishAt = new Date(Date.now() + 1500)
    directus.graph.set('articles', {
      id: 3,
      slug: 'quiet',
      date_published: publishAt.toISOString(),
    })
    await new Promise((r) => setTimeout(r, publishAt.getTime() - Date.now() + 50))
    await h.service.sweeper?.runOnce()
    await h.service.sweeper?.runOnce()
    const rows = await h.service.db.query<{ id: string }>(
      `SELECT id FROM events WHERE changes @> '[{"collection":"articles","id":"3"}]'`,
    )
    expect(rows).toHaveLength(1)
    expect((await h.settle(String(rows[0]?.id))).status).toBe('completed')
    expect(podPaths()).toContain('/articles/quiet')
  })
})

describe('Contentful through the HTTP app', () => {
  it('takes a signed publish, and shows a scheduled one as scheduled', async () => {
    const plain = contentful('Entry.publish')
    const now = await send(plain.path, plain)
    expect(now.status).toBe(202)
    expect((await h.settle(String(now.body.id))).status).toBe('completed')
    expect(podPaths()).toContain('/blog/first-post')

    const scheduled = contentful('Entry.publish', {
      'x-contentful-scheduled-action-id': 'action-42',
    })
    const answer = await send(scheduled.path, scheduled)
    expect(answer.status).toBe(202)
    const view = await h.settle(String(answer.body.id))
    expect(view.changes).toEqual([
      expect.objectContaining({
        provenance: expect.objectContaining({ scheduledActionId: 'action-42' }),
      }),
    ])
  })

  it('refuses a tampered body, header or timestamp with 401 and stores nothing', async () => {
    const before = await countEvents()
    const good = contentful('Entry.publish')
    const tampered = [
      { ...good, body: good.body.replace('First', 'Fir$t') },
      {
        ...good,
        headers: { ...good.headers, 'x-contentful-topic': 'ContentManagement.Entry.delete' },
      },
      {
        ...good,
        headers: {
          ...good.headers,
          'x-contentful-timestamp': String(Number(good.headers['x-contentful-timestamp']) + 1),
        },
      },
    ]
    for (const request of tampered) {
      const answer = await send(request.path, request)
      expect(answer.status).toBe(401)
      expect(answer.body).toMatchObject({ error: { code: 'unauthorized' } })
    }
    expect(await countEvents()).toBe(before)
  })

  it('answers drafts 200 ignored', async () => {
    const before = await countEvents()
    const draft = contentful('Entry.save')
    const answer = await send(draft.path, draft)
    expect(answer).toMatchObject({ status: 200, body: { status: 'ignored' } })
    expect(String(answer.body.reason)).toContain('draft')
    expect(await countEvents()).toBe(before)
  })

  it('takes a redelivery (same idempotency key, signed anew) once', async () => {
    const key = { 'x-contentful-idempotency-key': 'delivery-7' }
    const first = contentful('Entry.publish', key)
    const again = contentful('Entry.publish', key, Date.now() + 1)
    const a = await send(first.path, first)
    const b = await send(again.path, again)
    expect(a.status).toBe(202)
    expect(b).toMatchObject({ status: 202, body: { id: a.body.id, duplicate: true } })
    const rows = await h.service.db.query(`SELECT id FROM events WHERE delivery_key = 'delivery-7'`)
    expect(rows).toHaveLength(1)
    expect((await h.settle(String(a.body.id))).status).toBe('completed')
  })
})

describe('secrets', () => {
  it('appear in no answer and no log line', async () => {
    const listed = await h.request('/api/events?limit=500', { headers: adminHeaders })
    answers.push(await listed.text())
    expect(answers.length).toBeGreaterThan(10)
    expect(logLines.length).toBeGreaterThan(5)
    for (const text of [...answers, ...logLines]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret)
    }
  })
})
