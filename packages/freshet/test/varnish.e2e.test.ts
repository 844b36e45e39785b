import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack, titleAt } from './freshness.stack.ts'

/**
 * Varnish (Debian's 7.1 with xkey, running deploy/varnish/freshet.vcl) in front of the example
 * site's `next start` pods, the CloudFront emulator's caching edge in front of Varnish. Once an
 * event is `completed`, the first request through Varnish, then through the edge, is fresh.
 */

const run = randomUUID().slice(0, 8)
let stack: Stack
let nextId = 7000

beforeAll(async () => {
  stack = await startStack({ pods: 2, varnish: true })
})
afterAll(async () => stack?.close())

const varnishUrl = () => stack.varnish?.url ?? ''

/** A new article whose page Varnish and the edge both hold (the pods rendered it). */
async function warmArticle() {
  const id = nextId++
  const slug = `varnish-${run}-${id}`
  stack.api.set({ id, slug, title: `Before ${id}`, body: 'body' })
  const path = `/articles/${slug}`
  expect(await titleAt(varnishUrl(), path)).toBe(`Before ${id}`)
  expect(await titleAt(stack.edge.url, path)).toBe(`Before ${id}`)
  // Held: a second request through Varnish is a hit (two XIDs: this request's and the object's).
  const again = await fetch(new URL(path, varnishUrl()))
  await again.text()
  expect(again.headers.get('x-varnish')).toMatch(/^\d+ \d+$/)
  return { id, path }
}

describe('Varnish between the pods and the CDN', () => {
  it('purged by path: the first request through Varnish, then through the edge, is fresh', async () => {
    const article = await warmArticle()
    const title = `By path ${randomUUID().slice(0, 6)}`
    stack.api.update(article.id, { title })
    const event = await stack.settle(await stack.webhook({ paths: [article.path] }))
    expect(event.status).toBe('completed')
    expect(await titleAt(varnishUrl(), article.path)).toBe(title)
    expect(await titleAt(stack.edge.url, article.path)).toBe(title)
  }, 60_000)

  it('purged by tag (xkey from Cache-Tag): fresh through Varnish, then the edge', async () => {
    const article = await warmArticle()
    const title = `By tag ${randomUUID().slice(0, 6)}`
    stack.api.update(article.id, { title })
    const event = await stack.settle(await stack.webhook({ tags: [`articles:${article.id}`] }))
    expect(event.status).toBe('completed')
    expect(await titleAt(varnishUrl(), article.path)).toBe(title)
    expect(await titleAt(stack.edge.url, article.path)).toBe(title)
  }, 60_000)

  it('shows each layer, Varnish first, in GET /api/events/:id', async () => {
    const article = await warmArticle()
    stack.api.update(article.id, { title: `Layers ${randomUUID().slice(0, 6)}` })
    const id = await stack.webhook({ paths: [article.path] })
    expect((await stack.settle(id)).status).toBe('completed')
    const view = (await stack.event(id)) as unknown as {
      invalidations: { target: string; layer: number; status: string; completedAt: unknown }[]
    }
    expect(view.invalidations.map((i) => [i.target, i.layer, i.status])).toEqual([
      ['varnish', 1, 'Completed'],
      ['cloudfront', 2, 'Completed'],
    ])
  }, 60_000)
})
