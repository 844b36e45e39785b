import { afterEach, describe, expect, it } from 'vitest'
import { podProgress } from '../src/cli/format.ts'
import { DISTRIBUTION, type Harness, startHarness } from './harness.ts'

/**
 * `pods.fanout: one` over HTTP test pods: one pod is called per batch, the next when it fails,
 * and the event says which pod was called and why the others were not. (That one call makes
 * every pod fresh is proven on the real site with a shared Redis cache:
 * shared-cache.e2e.test.ts.)
 */

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

interface View {
  status: string
  error?: string
  pods: { id: string; status: string; error: string | null }[]
}

async function send(harness: Harness, body: { paths?: string[]; tags?: string[] }) {
  const response = await harness.webhook(body)
  expect(response.status).toBe(202)
  const { id } = (await response.json()) as { id: string }
  return (await harness.settle(id)) as unknown as View
}

const posts = (harness: Harness) =>
  harness.pods.map((pod) => pod.calls.filter((c) => c.method === 'POST').length)

const purges = (harness: Harness) =>
  harness.cloudfront.distributions.get(DISTRIBUTION)?.invalidations.length ?? 0

describe('pods.fanout: one', () => {
  it('calls exactly one pod per batch and records the others skipped, with the reason', async () => {
    const harness = await startHarness({ pods: 3, fanout: 'one' })
    h = harness
    const called = new Set<number>()
    for (let i = 0; i < 4; i++) {
      const before = posts(harness)
      const event = await send(harness, { paths: [`/one/${i}`], tags: [`one:${i}`] })
      expect(event.status).toBe('completed')
      const delta = posts(harness).map((n, p) => n - (before[p] ?? 0))
      expect(delta.reduce((a, b) => a + b, 0)).toBe(1)
      const pod = delta.indexOf(1)
      called.add(pod)
      const confirmed = event.pods.filter((p) => p.status === 'confirmed')
      expect(confirmed.map((p) => p.id)).toEqual([harness.pods[pod]?.id])
      const skipped = event.pods.filter((p) => p.status === 'skipped')
      expect(skipped).toHaveLength(2)
      for (const s of skipped) expect(s.error).toContain('skipped: shared cache')
      expect(skipped[0]?.error).toContain(harness.pods[pod]?.id)
      expect(podProgress(event as never)).toBe('pods confirmed 1/1, 2 skipped (shared cache)')
    }
    expect(purges(harness)).toBe(4)
  })

  it('moves to the next pod when one fails, and counts the batch once that pod confirms', async () => {
    const harness = await startHarness({ pods: 3, fanout: 'one' })
    h = harness
    harness.pods[0]?.fail()
    harness.pods[1]?.fail()
    for (let i = 0; i < 3; i++) {
      const event = await send(harness, { paths: [`/failover/${i}`] })
      expect(event.status).toBe('completed')
      const byId = new Map(event.pods.map((p) => [p.id, p]))
      expect(byId.get(harness.pods[2]?.id ?? '')?.status).toBe('confirmed')
      for (const pod of harness.pods.slice(0, 2))
        expect(['failed', 'skipped']).toContain(byId.get(pod.id)?.status)
    }
    expect(purges(harness)).toBe(3)
  })

  it('fails the event, naming each pod tried, and never purges the CDN, when no pod confirms', async () => {
    const harness = await startHarness({ pods: 2, fanout: 'one' })
    h = harness
    for (const pod of harness.pods) pod.fail()
    const event = await send(harness, { paths: ['/nobody'] })
    expect(event.status).toBe('failed')
    expect(event.error).toContain('fanout one: no pod confirmed')
    for (const pod of harness.pods) expect(event.error).toContain(pod.id)
    expect(purges(harness)).toBe(0)
  })
})
