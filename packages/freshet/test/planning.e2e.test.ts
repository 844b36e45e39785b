import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { signRequest } from '@contentful/node-apps-toolkit'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CONTENTFUL,
  contentfulFixture,
  DIRECTUS_TOKEN,
  directusFixture,
} from '../src/planner/test-fixtures.ts'
import { ADMIN, adminHeaders, DISTRIBUTION, type Harness, startHarness } from './harness.ts'

const SECRET = 'directus-flow-secret-for-tests'
const CMS_RETRY = { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 5, timeoutMs: 2000 }
const DIRECTUS_ROUTES = [
  { collection: 'pages', source: 'directus', paths: ['/{slug}'], tags: ['page:{id}'] },
  {
    collection: 'articles',
    source: 'directus',
    paths: ['/articles/{slug}', '/articles'],
    tags: ['article:{id}', 'category:{category.slug}'],
    when: { status: 'published' },
  },
]

interface View {
  status: string
  error: string | null
  batchId: string
  batch: {
    plan: {
      paths: { value: string; reasons: { kind: string; detail: string }[] }[]
      notes: { level: string; message: string }[]
    } | null
  }
}

const idOf = async (response: Response) => {
  expect(response.status).toBe(202)
  return ((await response.json()) as { id: string }).id
}

/** What the emulator was asked to invalidate for this batch. */
const invalidated = (h: Harness, batchId: string) =>
  (h.cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? [])
    .filter((i) => i.callerReference.includes(batchId))
    .flatMap((i) => i.items)
    .sort()

/** The last paths each pod was asked to revalidate. */
const podPaths = (h: Harness) =>
  h.pods.map((p) => p.calls.filter((c) => c.method === 'POST').at(-1)?.body?.paths)

describe('planning end to end on Directus', () => {
  let h: Harness
  const cms = directusFixture()
  const directusHook = (event: string, keys: string[], payload?: unknown) =>
    h.request('/hooks/directus', {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event, keys, collection: event.split('.')[0], payload }),
    })
  const send = async (event: string, keys: string[], payload?: unknown, timeoutMs = 60_000) =>
    (await h.settle(
      await idOf(await directusHook(event, keys, payload)),
      timeoutMs,
    )) as unknown as View
  const indexRows = () =>
    h.service.db.query('SELECT * FROM route_index ORDER BY collection, item_id, locale')

  beforeAll(async () => {
    const url = await cms.listen()
    h = await startHarness({
      overrides: {
        sources: { directus: { secret: SECRET, url, token: DIRECTUS_TOKEN } },
        routes: DIRECTUS_ROUTES,
        planner: { coalesce: { windowMs: 20, maxWaitMs: 200 }, retry: CMS_RETRY },
        // Planning from webhooks alone: a reconcile run would seed the route index from the CMS
        // between these tests' steps (reconciliation has its own tests, against a real Directus).
        reconcile: { intervalSeconds: 0 },
      },
    })
  })
  afterAll(async () => {
    await h?.close()
    await cms.close()
  })

  it('purges the two pages three levels above a component on every pod and the CDN', async () => {
    const event = await send('buttons.items.update', ['1'], { text: 'Order' })
    expect(event.status).toBe('completed')
    for (const paths of podPaths(h)) expect(paths).toEqual(['/about', '/home'])
    expect(invalidated(h, event.batchId)).toEqual(['/about', '/home'])
    const home = event.batch.plan?.paths.find((p) => p.value === '/home')
    expect(home?.reasons).toEqual([
      { kind: 'parent', detail: 'buttons:1 ← cta:1 ← sections:1 ← pages:1' },
    ])
    // pages:4 has no slug: a note on the event, never "/undefined" or "/".
    expect(event.batch.plan?.notes).toContainEqual({
      level: 'warn',
      message: 'pages:4: path template "/{slug}" skipped: field "slug" is missing or empty',
    })
    expect(invalidated(h, event.batchId).some((p) => p.includes('undefined') || p === '/')).toBe(
      false,
    )
  })

  it('purges the old and the new URL after a slug change', async () => {
    expect((await send('articles.items.create', ['1'])).status).toBe('completed')
    cms.graph.update('articles', 1, { slug: 'hello-world' })
    const event = await send('articles.items.update', ['1'], { slug: 'hello-world' })
    expect(event.status).toBe('completed')
    const expected = ['/articles', '/articles/hello', '/articles/hello-world']
    for (const paths of podPaths(h)) expect(paths).toEqual(expected)
    expect(invalidated(h, event.batchId)).toEqual(expected)
  })

  it('simulates a webhook: the plan with reasons, and nothing changed anywhere', async () => {
    cms.graph.update('articles', 1, { slug: 'renamed' })
    const index = await indexRows()
    const podCalls = h.pods.map((p) => p.calls.length)
    const cdnCalls = { ...h.cloudfront.stats.callsByOperation }
    const webhook = { event: 'articles.items.update', keys: ['1'], collection: 'articles' }
    const answer = await h.request('/api/simulate', {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'directus', body: webhook }),
    })
    expect(answer.status).toBe(200)
    const { plan } = (await answer.json()) as { plan: NonNullable<View['batch']['plan']> }
    expect(plan.paths.map((p) => p.value)).toEqual([
      '/articles',
      '/articles/hello-world',
      '/articles/renamed',
    ])
    expect(plan.paths.find((p) => p.value === '/articles/hello-world')?.reasons).toEqual([
      { kind: 'old-route', detail: 'articles:1 route changed' },
    ])

    // The CLI against a served instance says the same.
    const server = serve({ fetch: h.service.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((r) => server.once('listening', r))
    const dir = mkdtempSync(join(tmpdir(), 'freshet-simulate-'))
    try {
      const file = join(dir, 'webhook.json')
      writeFileSync(file, JSON.stringify(webhook))
      const cli = new URL('../src/cli/main.ts', import.meta.url).pathname
      const { port } = server.address() as AddressInfo
      const { stdout } = await promisify(execFile)(process.execPath, [
        cli,
        'simulate',
        ...['--url', `http://127.0.0.1:${port}`, '--token', ADMIN, '-s', 'directus', '-f', file],
        '--json',
      ])
      const printed = JSON.parse(stdout) as { plan: { paths: { value: string }[] } }
      expect(printed.plan.paths.map((p) => p.value)).toEqual(plan.paths.map((p) => p.value))
    } finally {
      server.close()
      rmSync(dir, { recursive: true, force: true })
    }

    expect(await indexRows()).toEqual(index)
    expect(h.pods.map((p) => p.calls.length)).toEqual(podCalls)
    expect(h.cloudfront.stats.callsByOperation).toEqual(cdnCalls)
    cms.graph.update('articles', 1, { slug: 'hello-world' })
  }, 60_000)

  it('purges what the route index held after a delete', async () => {
    cms.graph.remove('articles', 1)
    const event = await send('articles.items.delete', ['1'])
    expect(event.status).toBe('completed')
    expect(invalidated(h, event.batchId)).toEqual(['/articles', '/articles/hello-world'])
    for (const paths of podPaths(h)) expect(paths).toEqual(['/articles', '/articles/hello-world'])
    const reasons = event.batch.plan?.paths.find((p) => p.value === '/articles/hello-world')
    expect(reasons?.reasons).toEqual([{ kind: 'old-route', detail: 'articles:1 delete' }])
  })

  // Last: the plan stage's own retries (5, pg-boss backoff 1–2 s doubling) take 31–62 s to
  // run out, and the 503s left over would meet whatever came next.
  it('fails the event with the reason when the CMS stays down, purging nothing', async () => {
    const podCalls = h.pods.map((p) => p.calls.length)
    const created = h.cloudfront.stats.invalidationsCreated
    cms.failNext(...Array(60).fill(503))
    const event = await send('pages.items.update', ['1'], { title: 'x' }, 110_000)
    expect(event.status).toBe('failed')
    expect(event.error).toMatch(/\[freshet\] \[directus\] GET \/\S+ answered 503/)
    expect(h.pods.map((p) => p.calls.length)).toEqual(podCalls)
    expect(h.cloudfront.stats.invalidationsCreated).toBe(created)
  }, 150_000)
})

const SIGNING_SECRET = 'qlfkupAwYA4ZkNnmBzmNypFqSRWOwhpGRFwQFn5iPNAGHSYdvwed1C77n0Eiaz19'

describe('planning end to end on Contentful', () => {
  let h: Harness
  const cms = contentfulFixture()
  const realFetch = globalThis.fetch
  beforeAll(async () => {
    const host = await cms.listen()
    // service.ts does not pass `planner.contentful.host` to the planner yet: send the
    // Delivery API's requests to the emulator (same paths, same answers) until it does.
    globalThis.fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input)
      return url.startsWith('https://cdn.contentful.com/')
        ? realFetch(url.replace('https://cdn.contentful.com', host), init)
        : realFetch(input, init)
    }
    h = await startHarness({
      overrides: {
        sources: {
          contentful: {
            signingSecret: SIGNING_SECRET,
            spaceId: CONTENTFUL.spaceId,
            accessToken: CONTENTFUL.accessToken,
          },
        },
        routes: [
          {
            collection: 'page',
            source: 'contentful',
            paths: ['/{locale}/{slug}'],
            tags: ['page:{id}'],
          },
        ],
        planner: {
          coalesce: { windowMs: 20, maxWaitMs: 200 },
          retry: CMS_RETRY,
          contentful: { host },
        },
      },
    })
  })
  afterAll(async () => {
    globalThis.fetch = realFetch
    await h?.close()
    await cms.close()
  })

  it('climbs from a published asset through entries to the pages', async () => {
    const link = (type: string, id: string) => ({ sys: { type: 'Link', linkType: type, id } })
    const body = JSON.stringify({
      sys: {
        type: 'Asset',
        id: 'img1',
        space: link('Space', CONTENTFUL.spaceId),
        environment: link('Environment', 'master'),
        revision: 1, // as the fixture published it: the Delivery API serves it
      },
      fields: { title: { 'en-US': 'Logo' } },
    })
    const headers = {
      'content-type': 'application/vnd.contentful.management.v1+json',
      'x-contentful-topic': 'ContentManagement.Asset.publish',
    }
    const signature = signRequest(
      SIGNING_SECRET,
      { method: 'POST', path: '/hooks/contentful', headers, body },
      Date.now(),
    )
    const response = await h.request('/hooks/contentful', {
      method: 'POST',
      headers: { ...headers, ...signature },
      body,
    })
    const event = (await h.settle(await idOf(response), 60_000)) as unknown as View
    expect(event.status).toBe('completed')
    const expected = ['/de/start', '/en-US/home', '/en-US/shop']
    for (const paths of podPaths(h)) expect(paths).toEqual(expected)
    expect(invalidated(h, event.batchId)).toEqual(expected)
    expect(event.batch.plan?.paths.find((p) => p.value === '/en-US/shop')?.reasons).toEqual([
      { kind: 'parent', detail: 'Asset:img1 ← cta:cta1 ← section:section1 ← page:page2 (en-US)' },
    ])
  })
})
