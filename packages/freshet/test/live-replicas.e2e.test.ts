import { afterAll, describe, expect, it } from 'vitest'
import { framesOf } from '../src/http/stream.fixture.ts'
import { dropSchemas, postgresUrl, testPostgres, uniqueSchema } from '../src/store/test-stores.ts'
import { adminHeaders, type Harness, startHarness } from './harness.ts'

const reachable = (await testPostgres('the live view across replicas')) !== undefined

/** Reads `/api/stream` as the page does, keeping every frame. */
async function follow(h: Harness, signal: AbortSignal) {
  const response = await h.request('/api/stream', { headers: adminHeaders, signal })
  expect(response.status).toBe(200)
  return framesOf(response)
}

// Two replicas on one PostgreSQL: the page follows one (A) while the other (B) does the work,
// as behind a Service where the browser's connection lands on any pod of freshet.
describe.runIf(reachable)('the live view across replicas', { timeout: 90_000 }, () => {
  const schema = uniqueSchema()
  const store = { url: postgresUrl, schema }
  const started: Harness[] = []
  const stop = new AbortController()
  afterAll(async () => {
    stop.abort()
    for (const h of started) await h.close()
    await dropSchemas(postgresUrl, schema)
  })

  it("shows on one replica's stream the pod another replica is retrying, then the batch completing", async () => {
    const podRetry = { attempts: 3, initialDelayMs: 400, maxDelayMs: 600, timeoutMs: 2000 }
    const a = await startHarness({ store, pods: 1, podRetry })
    started.push(a)
    const b = await startHarness({ store, pods: 2, podRetry })
    started.push(b)
    // A only serves the page: whatever happens, happens on B.
    await a.service.pipeline.stop()
    const frames = await follow(a, stop.signal)
    await expect.poll(() => frames.some((f) => f.event === 'ready')).toBe(true)
    const retriedOnB: unknown[] = []
    b.service.lifecycle.on('pod:retrying', (r) => retriedOnB.push(r))

    const dead = b.pods[1]
    dead?.fail()
    const response = await b.webhook({ paths: ['/across/replicas'] })
    expect(response.status).toBe(202)
    const { id } = (await response.json()) as { id: string }
    const received = () => frames.find((f) => f.event === 'event:received' && f.data.id === id)
    await expect.poll(received).toBeDefined()

    const retrying = () => frames.filter((f) => f.event === 'pod:retrying')
    await expect.poll(() => retrying().length, { timeout: 20_000 }).toBeGreaterThan(0)
    const [first] = retrying()
    expect(first?.data).toMatchObject({ podId: dead?.id, attempt: 1, of: 3 })
    expect(first?.data).toEqual(retriedOnB[0])
    dead?.heal()
    const batchId = first?.data.batchId
    await expect
      .poll(() => frames.some((f) => f.event === 'batch:completed' && f.data.batchId === batchId), {
        timeout: 40_000,
      })
      .toBe(true)
    // A's list and detail read the same store B wrote: what its page reloads says completed.
    expect((await a.event(id)).status).toBe('completed')
  })
})
