import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LifecycleEvents } from '../src/pipeline/lifecycle.ts'
import { type Stack, startStack, titleAt } from './freshness.stack.ts'

/**
 * The promise freshet makes, on the real example site: once an event is `completed`, the very
 * first request to every pod, and through the caching edge, shows the new content. Pods share
 * one `.next` folder (and it outlives runs), so every article is new to this run and every page
 * is warmed on every pod before it changes.
 */

const RUNS = 20
const run = randomUUID().slice(0, 8)
let stack: Stack
let nextId = 5000
// What this file's events asked to revalidate: a late pod's replay must hold all of it.
const sentPaths = new Set<string>()
const sentTags = new Set<string>()

async function send(body: { paths?: string[]; tags?: string[] }) {
  for (const path of body.paths ?? []) sentPaths.add(path)
  for (const tag of body.tags ?? []) sentTags.add(tag)
  return stack.webhook(body)
}

beforeAll(async () => {
  stack = await startStack({ pods: 3 })
})
afterAll(async () => stack?.close())

const livePods = () => stack.slots

/** A new article whose pages every pod and the edge have rendered (and so cached). */
async function warmArticle() {
  const id = nextId++
  const slug = `fresh-${run}-${id}`
  const title = `Before ${id}`
  stack.api.set({ id, slug, title, body: 'body' })
  const paths = [`/articles/${slug}`, `/legacy/${slug}`]
  for (const pod of livePods())
    for (const path of paths) expect(await titleAt(pod.url, path)).toBe(title)
  for (const path of paths) expect(await titleAt(stack.edge.url, path)).toBe(title)
  return { id, slug, paths }
}

/** The first request of each path to each pod and through the edge: what is not `title`. */
async function staleReads(paths: string[], title: string): Promise<string[]> {
  const stale: string[] = []
  for (const path of paths) {
    for (const pod of livePods()) {
      const seen = await titleAt(pod.url, path)
      if (seen !== title) stale.push(`${pod.id} ${path}: ${seen}`)
    }
    const seen = await titleAt(stack.edge.url, path)
    if (seen !== title) stale.push(`edge ${path}: ${seen}`)
  }
  return stale
}

function nextEvent<K extends 'pod:caught-up' | 'pod:joined'>(name: K, podId: string) {
  return new Promise<LifecycleEvents[K][0]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} for ${podId}`)), 60_000)
    const listener = (event: LifecycleEvents[K][0]) => {
      if (event.podId !== podId) return
      clearTimeout(timer)
      stack.service.lifecycle.off(name, listener as never)
      resolve(event)
    }
    stack.service.lifecycle.on(name, listener as never)
  })
}

describe('freshness: webhook → every pod → CloudFront → first request fresh', () => {
  it(`${RUNS} of ${RUNS} runs fresh on every pod and through the edge, by path and by tag`, async () => {
    const outcomes: { run: number; stale: string[] }[] = []
    for (let i = 0; i < RUNS; i++) {
      const article = await warmArticle()
      const stale: string[] = []

      const byPath = `Path ${i} ${randomUUID().slice(0, 6)}`
      stack.api.update(article.id, { title: byPath })
      const pathEvent = await stack.settle(await send({ paths: article.paths }))
      if (pathEvent.status !== 'completed') stale.push(`path event ${pathEvent.status}`)
      stale.push(...(await staleReads(article.paths, byPath)))

      // Tags reach App Router pages only (the Pages Router has no data cache to expire).
      const byTag = `Tag ${i} ${randomUUID().slice(0, 6)}`
      stack.api.update(article.id, { title: byTag })
      const tagEvent = await stack.settle(await send({ tags: [`articles:${article.id}`] }))
      if (tagEvent.status !== 'completed') stale.push(`tag event ${tagEvent.status}`)
      stale.push(...(await staleReads([`/articles/${article.slug}`], byTag)))
      outcomes.push({ run: i, stale })
    }
    const fresh = outcomes.filter((outcome) => outcome.stale.length === 0).length
    console.info(`[freshness] ${fresh} of ${RUNS} runs fresh`)
    expect(outcomes.filter((outcome) => outcome.stale.length > 0)).toEqual([])
    expect(fresh).toBe(RUNS)
  }, 150_000)

  it('a pod that keeps failing fails the event, naming it, and the CDN is not purged; its replacement catches up', async () => {
    const article = await warmArticle()
    const dead = stack.fleet.pods[1]
    if (!dead) throw new Error('no pod 1')
    await stack.fleet.kill(1) // still listed: Kubernetes has not noticed yet
    const before = { ...stack.cloudfront.stats }
    const title = `While pod-1 is down ${randomUUID().slice(0, 6)}`
    stack.api.update(article.id, { title })
    const id = await send({ tags: [`articles:${article.id}`] })
    const failed = await stack.settle(id)
    expect(failed.status).toBe('failed')
    expect(failed.error).toContain(dead.id)
    expect(stack.cloudfront.stats.invalidationsCreated).toBe(before.invalidationsCreated)

    // Kubernetes drops the dead pod and a replacement starts from the same build. Its shared
    // `.next` holds the page rendered before the change, and nothing has expired the tag in its
    // process: only the replay can make its first request fresh.
    stack.unpublish(dead)
    const late = await stack.fleet.start()
    const joined = nextEvent('pod:joined', late.id)
    const caughtUp = nextEvent('pod:caught-up', late.id)
    stack.publish(late)
    await joined
    const replay = await caughtUp
    expect(replay).toMatchObject({ tags: sentTags.size, paths: sentPaths.size })
    expect(await titleAt(late.url, `/articles/${article.slug}`)).toBe(title)
    stack.slots[1] = late

    // Retried by hand, the event reaches the pods there are now and completes.
    expect((await stack.retry(id)).status).toBe(202)
    expect((await stack.settle(id)).status).toBe('completed')
    expect(stack.cloudfront.stats.invalidationsCreated).toBe(before.invalidationsCreated + 1)
    expect(await staleReads([`/articles/${article.slug}`], title)).toEqual([])
  }, 90_000)
})
