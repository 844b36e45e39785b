import { describe, expect, it } from 'vitest'
import type { LiveMessage } from './live-feed.ts'
import { retryingNow } from './retrying-now.ts'

const NEXT = '2026-12-07T03:00:10.000Z'
const podRetry = (batchId: string, podId: string, attempt = 1): LiveMessage => ({
  event: 'pod:retrying',
  data: {
    batchId,
    podId,
    url: 'http://pod',
    attempt,
    of: 3,
    error: 'boom',
    nextAt: NEXT,
    at: NEXT,
  },
})
const cdnRetry = (batchId: string, chunk: number): LiveMessage => ({
  event: 'cdn:retrying',
  data: {
    batchId,
    distributionId: 'D1',
    chunk,
    attempt: 1,
    of: 7,
    error: 'Throttling',
    nextAt: NEXT,
    at: NEXT,
  },
})
const now = Date.parse(NEXT)
const attempts = (messages: LiveMessage[]) =>
  messages.map((m) => (m.event === 'gap' ? 'gap' : (m.data as { attempt: number }).attempt))

describe('what is being retried right now', () => {
  it('keeps the latest retry of each pod and chunk until it settles', () => {
    const retrying = retryingNow()
    retrying.note(podRetry('b1', 'web-0'))
    retrying.note(podRetry('b1', 'web-0', 2))
    retrying.note(podRetry('b1', 'web-1'))
    retrying.note(cdnRetry('b1', 0))
    retrying.note(cdnRetry('b1', 1))
    expect(attempts(retrying.current(now))).toEqual([2, 1, 1, 1])
    retrying.note({
      event: 'pod:delivered',
      data: { batchId: 'b1', podId: 'web-0', status: 'confirmed', attempts: 3, ms: 5 },
    })
    retrying.note({
      event: 'cdn:created',
      data: { batchId: 'b1', distributionId: 'D1', chunk: 0, invalidationId: 'I1', items: 3 },
    })
    expect(retrying.current(now)).toEqual([podRetry('b1', 'web-1'), cdnRetry('b1', 1)])
  })

  it("forgets a batch's retries when it ends, and no other batch's", () => {
    const retrying = retryingNow()
    retrying.note(podRetry('b1', 'web-0'))
    retrying.note(cdnRetry('b1', 0))
    retrying.note(podRetry('b2', 'web-0'))
    retrying.note({
      event: 'batch:failed',
      data: { batchId: 'b1', stage: 'pods', error: 'x', first: true },
    })
    expect(retrying.current(now)).toEqual([podRetry('b2', 'web-0')])
    retrying.note({ event: 'batch:completed', data: { batchId: 'b2', events: 1, ms: 9 } })
    expect(retrying.current(now)).toEqual([])
  })

  it('drops a retry long past its next try with no word since, and the oldest beyond its bound', () => {
    const retrying = retryingNow({ staleMs: 1000, max: 2 })
    retrying.note(podRetry('b1', 'web-0'))
    expect(retrying.current(now + 999)).toHaveLength(1)
    expect(retrying.current(now + 1001)).toEqual([])
    for (const pod of ['a', 'b', 'c']) retrying.note(podRetry('b1', pod))
    expect(retrying.current(now)).toEqual([podRetry('b1', 'b'), podRetry('b1', 'c')])
  })

  it('ignores what is not a retry or its end', () => {
    const retrying = retryingNow()
    retrying.note({ event: 'gap' })
    retrying.note({ event: 'stage:started', data: { batchId: 'b1', stage: 'pods' } })
    retrying.note({
      event: 'event:received',
      data: { id: 'e', source: 'generic', duplicate: false },
    })
    expect(retrying.current(now)).toEqual([])
  })
})
