import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack, titleAt } from './freshness.stack.ts'

/**
 * Read-after-publish on the real example site: the pods read a Contentful space whose Delivery
 * API lags behind a publish. freshet must not re-render before the Delivery API serves the
 * webhook's revision, or the pods render the old entry and the edge caches it, fresh-looking.
 */

const BOUND_S = 5
const run = randomUUID().slice(0, 8)
let stack: Stack
let nextId = 7000

interface View {
  status: string
  batch: {
    plan: { notes: { level: string; message: string }[] }
    stages: {
      planning: { readAfterPublish?: { pending?: string[]; startedAt: string; endedAt?: string } }
    }
  }
}

beforeAll(async () => {
  stack = await startStack({ pods: 2, contentful: { timeoutSeconds: BOUND_S } })
}, 240_000)
afterAll(async () => stack?.close())

const cms = () => {
  if (!stack.contentful) throw new Error('no Contentful space')
  return stack.contentful
}

/** A new article, published and rendered (so cached) on every pod and through the edge. */
async function warmArticle() {
  const id = String(nextId++)
  const slug = `raw-${run}-${id}`
  const title = `Before ${id}`
  cms().setLag(0)
  cms().graph.publishEntry(id, 'article', {
    slug: { 'en-US': slug },
    title: { 'en-US': title },
    body: { 'en-US': 'body' },
  })
  const paths = [`/articles/${slug}`, `/legacy/${slug}`]
  for (const pod of stack.slots)
    for (const path of paths) expect(await titleAt(pod.url, path)).toBe(title)
  for (const path of paths) expect(await titleAt(stack.edge.url, path)).toBe(title)
  return { id, slug, paths }
}

function republish(article: { id: string; slug: string }, title: string, lagMs: number) {
  cms().setLag(lagMs)
  return cms().graph.publishEntry(article.id, 'article', {
    slug: { 'en-US': article.slug },
    title: { 'en-US': title },
    body: { 'en-US': 'body' },
  })
}

async function staleReads(paths: string[], title: string) {
  const stale: string[] = []
  for (const path of paths) {
    for (const pod of stack.slots) {
      const seen = await titleAt(pod.url, path)
      if (seen !== title) stale.push(`${pod.id} ${path}: ${seen}`)
    }
    const seen = await titleAt(stack.edge.url, path)
    if (seen !== title) stale.push(`edge ${path}: ${seen}`)
  }
  return stale
}

describe('read-after-publish: the pods re-render only once Contentful serves the revision', () => {
  it('waits while the Delivery API serves revision N-1 for 2 s; then the first request is fresh', async () => {
    const article = await warmArticle()
    const title = `After ${randomUUID().slice(0, 6)}`
    const entity = republish(article, title, 2000)
    expect(entity.sys.revision).toBe(2)
    const id = await stack.contentfulWebhook(entity)
    const settled = await stack.settle(id, 60_000)
    expect(settled.status).toBe('completed')
    expect(await staleReads(article.paths, title)).toEqual([])
    const view = (await stack.event(id)) as unknown as View
    const waited = view.batch.stages.planning.readAfterPublish
    expect(waited?.pending).toEqual([])
    expect(view.batch.plan.notes).toContainEqual({
      level: 'info',
      message: expect.stringMatching(/^waited .* for the Contentful Delivery API/),
    })
  }, 90_000)

  it('a lag longer than the bound proceeds, with a plan note naming what was not served', async () => {
    const article = await warmArticle()
    const entity = republish(article, `Late ${randomUUID().slice(0, 6)}`, (BOUND_S + 20) * 1000)
    const id = await stack.contentfulWebhook(entity)
    const settled = await stack.settle(id, 60_000)
    expect(settled.status).toBe('completed')
    const view = (await stack.event(id)) as unknown as View
    expect(view.batch.stages.planning.readAfterPublish?.pending).toEqual([
      `entry ${article.id} at revision 2 (serves revision 1)`,
    ])
    expect(view.batch.plan.notes).toContainEqual({
      level: 'warn',
      message: expect.stringContaining(
        `did not serve entry ${article.id} at revision 2 (serves revision 1) within ${BOUND_S} s`,
      ),
    })
  }, 90_000)
})
