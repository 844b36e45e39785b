import { randomUUID } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { type ContentApi, startContentApi } from '@freshet/emulators/content-api'
import { buildSite, type Fleet, siteDir, startFleet } from '@freshet/emulators/next-fleet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Endpoint, listedTitles, page, post, TOKEN } from './pods.ts'

/**
 * The example site, really built, as 3 `next start` pods sharing one `.next`, against the
 * content API. Each test uses its own article so tests do not see each other's changes.
 */

let api: ContentApi
let fleet: Fleet
let nextId = 100
// Pods write re-rendered pages into the shared `.next`, which outlives this run: slugs of this
// run's articles are new to it, so no page from an earlier run is served for them.
const run = randomUUID().slice(0, 8)

beforeAll(async () => {
  api = await startContentApi()
  const build = await buildSite({ contentApiUrl: api.url })
  console.info(`[fleet.test] build ${build.built ? 'made' : 'reused'} in ${build.ms} ms`)
  fleet = await startFleet({ count: 3, contentApiUrl: api.url, token: TOKEN })
})

afterAll(async () => {
  await fleet?.stop()
  await api?.close()
})

/** A new article, already rendered (and so cached) on every pod. */
async function warmArticle(paths: (slug: string) => string[]) {
  const id = nextId++
  const slug = `article-${id}-${run}`
  const title = `Before ${randomUUID()}`
  api.set({ id, slug, title, body: 'body' })
  for (const pod of fleet.pods) {
    for (const path of paths(slug)) expect((await page(pod, path)).title).toBe(title)
  }
  return { id, slug, title }
}

const both = (slug: string) => [`/articles/${slug}`, `/legacy/${slug}`]
const appOnly = (slug: string) => [`/articles/${slug}`]

describe.each<Endpoint>(['/api/revalidate', '/api/revalidate-paths'])('through %s', (endpoint) => {
  it('paths on every pod: the first GET on each pod shows the new title (App and Pages pages)', async () => {
    const article = await warmArticle(both)
    const title = `After ${randomUUID()}`
    api.update(article.id, { title })

    for (const pod of fleet.pods) {
      const reply = await post(pod, { paths: both(article.slug) }, { endpoint })
      expect(reply.status).toBe(200)
      expect(reply.body.paths).toEqual(both(article.slug).map((path) => ({ path, ok: true })))
    }
    for (const pod of fleet.pods) {
      for (const path of both(article.slug)) {
        expect(await page(pod, path)).toMatchObject({ status: 200, title, pod: pod.id })
      }
    }
  })

  it('tags on every pod: item and collection tags make the first GET fresh', async () => {
    const article = await warmArticle(appOnly)
    const title = `Tagged ${randomUUID()}`
    api.update(article.id, { title })

    const tags = [`articles:${article.id}`, 'articles']
    for (const pod of fleet.pods) {
      const reply = await post(pod, { tags }, { endpoint })
      expect(reply).toMatchObject({
        status: 200,
        body: { paths: [], tags: tags.map((tag) => ({ tag, ok: true })) },
      })
    }
    for (const pod of fleet.pods) {
      expect(await page(pod, `/articles/${article.slug}`)).toMatchObject({ title, pod: pod.id })
      expect(await listedTitles(pod)).toContain(title)
    }
  })
})

describe('one pod revalidated', () => {
  it('paths: the others keep serving the old page (revalidation reaches only its process)', async () => {
    const article = await warmArticle(both)
    const title = `Only pod 0 ${randomUUID()}`
    api.update(article.id, { title })

    const [first, ...others] = fleet.pods
    if (!first) throw new Error('no pods')
    expect((await post(first, { paths: both(article.slug) })).status).toBe(200)
    for (const path of both(article.slug)) {
      expect((await page(first, path)).title).toBe(title)
      for (const pod of others) expect((await page(pod, path)).title).toBe(article.title)
    }
  })

  it('tags: the others keep serving the old page', async () => {
    const article = await warmArticle(appOnly)
    const title = `Only pod 2 ${randomUUID()}`
    api.update(article.id, { title })

    const last = fleet.pods[2]
    if (!last) throw new Error('no pods')
    expect((await post(last, { tags: [`articles:${article.id}`] })).status).toBe(200)
    expect((await page(last, `/articles/${article.slug}`)).title).toBe(title)
    for (const pod of fleet.pods.slice(0, 2)) {
      expect((await page(pod, `/articles/${article.slug}`)).title).toBe(article.title)
    }
  })
})

describe('content API down', () => {
  it('reports each path failed (207) and the pod keeps serving the last good page', async () => {
    const article = await warmArticle(both)
    api.update(article.id, { title: `Never seen ${randomUUID()}` })
    api.fail(true)
    try {
      const [pod] = fleet.pods
      if (!pod) throw new Error('no pods')
      const reply = await post(pod, { paths: both(article.slug) })
      expect(reply.status).toBe(207)
      for (const result of reply.body.paths ?? []) {
        expect(result).toMatchObject({ ok: false, error: expect.stringContaining('500') })
      }
      for (const path of both(article.slug)) {
        expect(await page(pod, path)).toMatchObject({ status: 200, title: article.title })
      }
    } finally {
      api.fail(false)
    }
  })
})

describe('protocol', () => {
  const [endpointA, endpointB]: Endpoint[] = ['/api/revalidate', '/api/revalidate-paths']
  const pod = () => {
    const first = fleet.pods[0]
    if (!first) throw new Error('no pods')
    return first
  }

  it.each([endpointA, endpointB])(
    '%s: a wrong or missing token is 401 and changes nothing',
    async (endpoint) => {
      const wrong = await post(pod(), { paths: ['/'] }, { endpoint, token: 'wrong' })
      expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } })
      const response = await fetch(`${pod().url}${endpoint}`, {
        method: 'POST',
        body: '{"paths":["/"]}',
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      expect(JSON.stringify(await response.json())).not.toContain(TOKEN)
    },
  )

  it.each([
    ['{"paths": "/a"}', 'invalid_body', '"paths" must be an array of strings'],
    ['{"paths": ["a"]}', 'invalid_path', '"paths[0]"'],
    ['{"tags": [""]}', 'invalid_tag', '"tags[0]"'],
    ['{"path": ["/a"]}', 'unknown_field', 'unknown field "path"'],
    ['{}', 'empty_request', 'nothing to revalidate'],
    ['[1]', 'invalid_body', 'JSON object'],
    ['{nope', 'invalid_json', 'not valid JSON'],
  ])('a bad body %s is 400 %s on both endpoints', async (raw, code, message) => {
    for (const endpoint of [endpointA, endpointB]) {
      const reply = await post(pod(), undefined, { endpoint, raw })
      expect(reply.status).toBe(400)
      expect(reply.body.error?.code).toBe(code)
      expect(reply.body.error?.message).toContain(message)
    }
  })

  it('GET answers the build id and the build time (mtime of .next/BUILD_ID) on every pod', async () => {
    const file = join(siteDir, '.next', 'BUILD_ID')
    const buildId = (await readFile(file, 'utf8')).trim()
    const buildTime = (await stat(file)).mtime.toISOString()
    for (const each of fleet.pods) {
      for (const endpoint of [endpointA, endpointB]) {
        const response = await fetch(`${each.url}${endpoint}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
        expect(response.status).toBe(200)
        expect(response.headers.get('cache-control')).toBe('no-store')
        expect(await response.json()).toEqual({ buildId, buildTime })
      }
    }
  })

  it('a POST answer carries the build id', async () => {
    const reply = await post(pod(), { tags: ['nothing-uses-this'] })
    expect(reply.body.buildId).toMatch(/\S+/)
  })
})
