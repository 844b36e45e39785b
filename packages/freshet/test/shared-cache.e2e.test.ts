import { randomUUID } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { currentPods } from '../src/store/replay.ts'
import { type Stack, startStack, titleAt } from './freshness.stack.ts'

/**
 * `pods.fanout: one` on the real example site: 3 `next start` pods sharing
 * `@fortedigital/nextjs-cache-handler` on the Redis at 127.0.0.1:6379 (a key prefix per run,
 * deleted afterwards). One pod is called per batch; once the event is `completed` the first
 * request to EVERY pod, and through the caching edge, shows the new content, by path and by tag.
 * The control runs the same without the shared cache: the pods not called stay stale, so the
 * first test can fail.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const RUNS = 5
const run = randomUUID().slice(0, 8)
const prefix = `freshet-test-${run}:`
let nextId = 80_000

async function warmArticle(stack: Stack) {
  const id = nextId++
  const slug = `shared-${run}-${id}`
  const title = `Before ${id}`
  stack.api.set({ id, slug, title, body: 'body' })
  const paths = [`/articles/${slug}`, `/legacy/${slug}`]
  for (const pod of stack.slots)
    for (const path of paths) expect(await titleAt(pod.url, path)).toBe(title)
  for (const path of paths) expect(await titleAt(stack.edge.url, path)).toBe(title)
  return { id, slug, paths }
}

/** The first request of each path to each pod and through the edge: what is not `title`. */
async function staleReads(stack: Stack, paths: string[], title: string) {
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

/** Each pod's start-up catch-up (a replay POST when batches exist) is over before counting. */
async function caughtUp(stack: Stack) {
  await expect
    .poll(async () => (await currentPods(stack.service.db)).length, { timeout: 60_000 })
    .toBe(stack.slots.length)
}

const totalPosts = (stack: Stack) => [...stack.posts().values()].reduce((a, b) => a + b, 0)

/** Changes the article, sends one webhook, waits for the end: which pod was called, and reads. */
async function change(stack: Stack, id: number, body: { paths?: string[]; tags?: string[] }) {
  const title = `After ${id} ${randomUUID().slice(0, 6)}`
  stack.api.update(id, { title })
  const before = stack.posts()
  const event = (await stack.settle(await stack.webhook(body))) as {
    status: string
    pods: { id: string; status: string; error: string | null }[]
  }
  const called = [...stack.posts()].filter(([pod, n]) => n > (before.get(pod) ?? 0))
  return { event, title, called: called.map(([pod]) => pod), posts: totalPosts(stack) }
}

describe('pods.fanout: one with a shared Redis cache handler', () => {
  let stack: Stack
  const redis = createClient({ url: REDIS_URL })
  beforeAll(async () => {
    await redis.connect()
    stack = await startStack({
      pods: 3,
      fanout: 'one',
      countRevalidations: true,
      podEnv: { FRESHET_EXAMPLE_REDIS_URL: REDIS_URL, FRESHET_EXAMPLE_REDIS_PREFIX: prefix },
    })
  }, 240_000)
  afterAll(async () => {
    await stack?.close()
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.unlink(keys)
    await redis.quit()
  })

  it(`${RUNS} of ${RUNS} runs: one pod called, every pod and the edge fresh, by path and by tag`, async () => {
    await caughtUp(stack)
    const stale: string[] = []
    for (let i = 0; i < RUNS; i++) {
      const article = await warmArticle(stack)
      const startPosts = totalPosts(stack)

      const byPath = await change(stack, article.id, { paths: article.paths })
      expect(byPath.event.status).toBe('completed')
      expect(byPath.called).toHaveLength(1)
      expect(byPath.posts - startPosts).toBe(1)
      const skipped = byPath.event.pods.filter((p) => p.status === 'skipped')
      expect(skipped.map((p) => p.error)).toEqual([
        expect.stringContaining('skipped: shared cache'),
        expect.stringContaining('skipped: shared cache'),
      ])
      stale.push(...(await staleReads(stack, article.paths, byPath.title)))

      // Tags reach App Router pages only (the Pages Router has no data cache to expire).
      const byTag = await change(stack, article.id, { tags: [`articles:${article.id}`] })
      expect(byTag.event.status).toBe('completed')
      expect(byTag.called).toHaveLength(1)
      expect(byTag.posts - startPosts).toBe(2)
      stale.push(...(await staleReads(stack, [`/articles/${article.slug}`], byTag.title)))
    }
    expect(stale).toEqual([])
    expect(await redis.keys(`${prefix}*`)).not.toHaveLength(0)
  }, 240_000)
})

describe('control: pods.fanout: one WITHOUT a shared cache', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ pods: 3, fanout: 'one', countRevalidations: true })
  }, 240_000)
  afterAll(async () => stack?.close())

  it('the pods that were not called stay stale, by path and by tag', async () => {
    await caughtUp(stack)
    const article = await warmArticle(stack)
    const byPath = await change(stack, article.id, { paths: article.paths })
    expect(byPath.event.status).toBe('completed')
    expect(byPath.called).toHaveLength(1)
    const pathStale = await staleReads(stack, article.paths, byPath.title)
    const notCalled = stack.slots.filter((pod) => !byPath.called.includes(pod.id))
    for (const pod of notCalled)
      for (const path of article.paths)
        expect(pathStale).toContainEqual(expect.stringMatching(`^${pod.id} ${path}: `))

    const byTag = await change(stack, article.id, { tags: [`articles:${article.id}`] })
    expect(byTag.event.status).toBe('completed')
    const tagStale = await staleReads(stack, [`/articles/${article.slug}`], byTag.title)
    expect(tagStale.filter((s) => !s.startsWith('edge'))).toHaveLength(2)
  }, 120_000)
})
