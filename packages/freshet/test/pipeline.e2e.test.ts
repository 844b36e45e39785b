import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pipelineInThread } from '../src/service.ts'
import { dropSchemas, postgresUrl, testPostgres, uniqueSchema } from '../src/store/test-stores.ts'
import { adminHeaders, DISTRIBUTION, type Harness, startHarness } from './harness.ts'

// On PostgreSQL the pipeline runs in its own thread (server.pipelineThread: auto), so these also
// prove the hand-over: nudges, retries asked across threads, lifecycle events emitted back.
const stores: { name: string; store?: { url: string; schema: string } }[] = [{ name: 'pglite' }]
if (await testPostgres('pipeline e2e'))
  stores.push({ name: 'postgres', store: { url: postgresUrl, schema: uniqueSchema() } })

describe.each(stores)(
  'pipeline on $name: webhook → every pod → CloudFront → Completed',
  ({ store }) => {
    let h: Harness
    beforeAll(async () => {
      h = await startHarness({ pods: 3, completeAfterMs: 300, ...(store ? { store } : {}) })
    })
    afterAll(async () => {
      await h?.close()
      if (store) await dropSchemas(store.url, store.schema)
    })

    it('runs the pipeline in a thread of its own on PostgreSQL only', () => {
      expect(pipelineInThread(h.config)).toBe(store !== undefined)
    })

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
      const metrics = await (await h.request('/metrics', { headers: adminHeaders })).text()
      expect(metrics).toMatch(/freshet_events_total\{source="generic",status="completed"\} [1-9]/)
      expect(metrics).toMatch(/freshet_pod_deliveries_total\{outcome="confirmed"\} [1-9]/)
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

    it('counts a batch that fails, is retried by hand and fails again, once in freshet_batches_failed_total', async () => {
      const failedMetric = async () => {
        const text = await (await h.request('/metrics')).text()
        return Number(/^freshet_batches_failed_total\{stage="pods"\} (\d+)$/m.exec(text)?.[1])
      }
      const before = await failedMetric()
      const failures: string[] = []
      h.service.lifecycle.on('batch:failed', (e) => failures.push(e.batchId))
      for (const pod of h.pods) pod.fail()
      const response = await h.webhook({ paths: ['/fails-again'] })
      const { id } = (await response.json()) as { id: string }
      expect((await h.settle(id, 30_000)).status).toBe('failed')
      for (let i = 0; i < 2; i++) {
        const retry = await h.request(`/api/events/${id}/retry`, {
          method: 'POST',
          headers: adminHeaders,
        })
        expect(retry.status).toBe(202)
        expect((await h.settle(id, 30_000)).status).toBe('failed')
      }
      for (const pod of h.pods) pod.heal()
      const batchId = (await h.event(id)).batchId as string
      // Three failures of one batch reached this process's lifecycle (and so the metrics)...
      await expect.poll(() => failures.filter((b) => b === batchId).length).toBe(3)
      // ...and the metric counted the batch, not the attempts.
      expect(await failedMetric()).toBe(before + 1)
    }, 120_000)

    it('coalesces a burst into one pod round and one invalidation', async () => {
      const before = h.cloudfront.stats.invalidationsCreated
      const podCalls = h.pods[0]?.calls.length ?? 0
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => h.webhook({ paths: [`/burst/${i}`] })),
      )
      const ids = await Promise.all(
        answers.map(async (a) => ((await a.json()) as { id: string }).id),
      )
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
  },
)
