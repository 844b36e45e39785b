import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from '../../test/harness.ts'
import type { LifecycleEvents } from '../pipeline/lifecycle.ts'

type Harness = Awaited<ReturnType<typeof startHarness>>
type Retrying = LifecycleEvents['cdn:retrying'][0]
interface Attempt {
  at: string
  ms: number
  ok: boolean
  error?: string
}

/**
 * An attempt is one HTTP request to the CDN: the AWS SDK retries Throttling inside one create,
 * and each of its tries is recorded (the SDK's finalizeRequest middleware reports it).
 */
describe('GET /api/events/:id, CDN create attempts', { timeout: 60_000 }, () => {
  let h: Harness
  const retrying: Retrying[] = []
  beforeAll(async () => {
    h = await startHarness({ pods: 1 })
    h.service.lifecycle.on('cdn:retrying', (r) => retrying.push(r))
  })
  afterAll(() => h?.close())

  async function invalidationsOf(paths: string[]) {
    const response = await h.webhook({ paths })
    const { id } = (await response.json()) as { id: string }
    const event = await h.settle(id, 40_000)
    expect(event.status).toBe('completed')
    return event.invalidations as { distributionId: string; log: Attempt[] }[]
  }

  it('records a throttled-then-accepted create as 2 attempts, the first with its error', async () => {
    h.cloudfront.faults.failNext(1, 'Throttling')
    const [inv] = await invalidationsOf(['/throttled-once'])
    expect(inv?.log.map((a) => a.ok)).toEqual([false, true])
    expect(inv?.log[0]?.error).toMatch(/^Throttling/)
    expect(Date.parse(inv?.log[1]?.at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(inv?.log[0]?.at ?? ''),
    )
  })

  it('says a create is being retried (attempt n of m, last error, next try) when the SDK gives up', async () => {
    retrying.length = 0
    // The SDK makes 3 attempts of its own; the 4th is freshet's retry of the whole create.
    h.cloudfront.faults.failNext(3, 'Throttling')
    const [inv] = await invalidationsOf(['/throttled-thrice'])
    expect(inv?.log.map((a) => a.ok)).toEqual([false, false, false, true])
    expect(retrying).toHaveLength(1)
    const [r] = retrying
    expect(r).toMatchObject({ chunk: 0, attempt: 1, of: 7, distributionId: inv?.distributionId })
    expect(r?.error).toMatch(/^Throttling/)
    expect(Date.parse(r?.nextAt ?? '')).not.toBeNaN()
  })
})
