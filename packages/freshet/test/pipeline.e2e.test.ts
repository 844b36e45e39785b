import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DISTRIBUTION, type Harness, startHarness } from './harness.ts'

describe('pipeline: webhook → every pod → CloudFront → Completed', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ pods: 3, completeAfterMs: 300 })
  })
  afterAll(async () => h?.close())

  it('revalidates every pod, then invalidates CloudFront and tracks it to Completed', async () => {
    const response = await h.webhook({
      paths: ['/articles/hello', '/articles/hello', '/'],
      tags: ['article:1'],
    })
    expect(response.status).toBe(202)
    const { id } = (await response.json()) as { id: string }
    const event = await h.settle(id)
    expect(event.status).toBe('completed')
    for (const pod of h.pods) {
      const posts = pod.calls.filter((c) => c.method === 'POST')
      expect(posts.at(-1)?.body).toEqual({ paths: ['/', '/articles/hello'], tags: ['article:1'] })
    }
    const invalidations = h.cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? []
    const mine = invalidations.filter((i) => i.items.includes('/articles/hello'))
    expect(mine).toHaveLength(1)
    expect(mine[0]?.status).toBe('Completed')
    const view = event as unknown as {
      pods: { status: string }[]
      invalidations: { status: string; id: string }[]
    }
    expect(view.pods.map((p) => p.status)).toEqual(['confirmed', 'confirmed', 'confirmed'])
    expect(view.invalidations).toEqual([
      expect.objectContaining({ status: 'Completed', id: mine[0]?.id }),
    ])
  })

  it('fails the event naming the pod that never confirms, and never purges the CDN for it', async () => {
    const bad = h.pods[1]
    bad?.fail()
    const before = h.cloudfront.stats.invalidationsCreated
    const response = await h.webhook({ paths: ['/only-if-pods-confirm'] })
    const { id } = (await response.json()) as { id: string }
    const event = await h.settle(id, 30_000)
    expect(event.status).toBe('failed')
    expect(event.error).toContain(bad?.id)
    expect(h.cloudfront.stats.invalidationsCreated).toBe(before)

    bad?.heal()
    const retry = await h.request(`/api/events/${id}/retry`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-token-for-tests' },
    })
    expect(retry.status).toBe(202)
    expect((await h.settle(id)).status).toBe('completed')
    expect(h.cloudfront.stats.invalidationsCreated).toBe(before + 1)
  })

  it('coalesces a burst into one pod round and one invalidation', async () => {
    const before = h.cloudfront.stats.invalidationsCreated
    const podCalls = h.pods[0]?.calls.length ?? 0
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => h.webhook({ paths: [`/burst/${i}`] })),
    )
    const ids = await Promise.all(answers.map(async (a) => ((await a.json()) as { id: string }).id))
    const events = await Promise.all(ids.map((id) => h.settle(id)))
    expect(events.every((e) => e.status === 'completed')).toBe(true)
    expect(new Set(events.map((e) => e.batchId)).size).toBeLessThanOrEqual(3)
    expect(h.cloudfront.stats.invalidationsCreated - before).toBe(
      new Set(events.map((e) => e.batchId)).size,
    )
    expect((h.pods[0]?.calls.length ?? 0) - podCalls).toBe(
      new Set(events.map((e) => e.batchId)).size,
    )
  })
})
