import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPodClient } from './client.ts'
import { deliverToPod, deliverToPods, splitRequest } from './fanout.ts'

const retry = { attempts: 3, initialDelayMs: 5, maxDelayMs: 10 }

describe('splitRequest', () => {
  it('keeps every item once, in order, in parts of at most the size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string()),
        fc.array(fc.string()),
        fc.integer({ min: 1, max: 50 }),
        (paths, tags, size) => {
          const parts = splitRequest({ paths, tags }, size)
          expect(parts.flatMap((p) => p.paths)).toEqual(paths)
          expect(parts.flatMap((p) => p.tags)).toEqual(tags)
          for (const part of parts)
            expect(part.paths.length + part.tags.length).toBeLessThanOrEqual(size)
        },
      ),
    )
  })
})

describe('deliverToPod against a pod speaking the protocol', () => {
  let pod: TestPod
  const client = createPodClient({ token: 'secret', timeoutMs: 2000 })
  beforeAll(async () => {
    pod = await startTestPod({ token: 'secret' })
  })
  afterAll(async () => {
    await pod.close()
    await client.close()
  })

  it('sends a large batch in parts and confirms only when every part is confirmed', async () => {
    const paths = Array.from({ length: 1200 }, (_, i) => `/p/${i}`)
    const before = pod.calls.length
    const delivery = await deliverToPod(
      client,
      pod,
      { paths, tags: ['t'] },
      retry,
      AbortSignal.timeout(10_000),
      500,
    )
    expect(delivery.status).toBe('confirmed')
    expect(pod.calls.length - before).toBe(3)
    expect(delivery.answer?.paths).toHaveLength(1200)
    expect(delivery.answer?.tags).toEqual([{ tag: 't', ok: true }])
  })

  it('retries a failing pod, then reports it failed with the reason', async () => {
    pod.fail(1)
    const recovered = await deliverToPod(
      client,
      pod,
      { paths: ['/a'], tags: [] },
      retry,
      AbortSignal.timeout(5000),
    )
    expect(recovered).toMatchObject({ status: 'confirmed', attempts: 2 })
    pod.fail()
    const [failed] = await deliverToPods({
      client,
      pods: [pod],
      request: { paths: ['/a'], tags: [] },
      retry,
      concurrency: 4,
      signal: AbortSignal.timeout(5000),
    })
    pod.heal()
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 })
    expect(failed?.error).toContain('answered 500')
  })

  it('passes the part size through the fan-out', async () => {
    const before = pod.calls.length
    const paths = Array.from({ length: 30 }, (_, i) => `/q/${i}`)
    const [delivery] = await deliverToPods({
      client,
      pods: [pod],
      request: { paths, tags: [] },
      retry,
      concurrency: 4,
      signal: AbortSignal.timeout(5000),
      partSize: 10,
    })
    expect(delivery?.status).toBe('confirmed')
    expect(pod.calls.length - before).toBe(3)
  })
})
