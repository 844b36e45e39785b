/**
 * The suite every CDN target passes (test helper, imported by `*.test.ts` only). A target's test
 * file calls `targetContract(name, setup, features)` with a fixture over its emulator (or the
 * real thing: Varnish) and adds its own specifics.
 *
 * It drives targets through `submitInvalidations`/`checkInvalidations`, as the cdn and track
 * stages do, so "retried and never surfaced" means what the pipeline sees.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type CdnLimits, chunkItems } from '../core/cdn-chunks.ts'
import { checkInvalidations, submitInvalidations } from './submit.ts'
import { CdnError, type CdnTarget } from './types.ts'

export interface TargetFixture {
  /** The target, configured with credentials the emulator accepts. */
  target: CdnTarget
  /** The same target with credentials the emulator refuses (a permanent error). */
  refused: CdnTarget
  /** Items the layer saw purged so far, as freshet spells them: `/a`, `/b*`, `#tag`. */
  purged(): Promise<string[]> | string[]
  /** Purge requests the layer accepted (volume: what a bill or a rate limit counts). */
  accepted(): number
  /** Requests the layer refused for being over one of its documented limits. */
  overLimit(): number
  /** The next `count` calls meet the layer's throttling (429 with `Retry-After`, or its own). */
  throttleNext(count: number): void
  /** The next `count` calls meet a transient error of the layer (5xx or its own). */
  failNext(count: number): void
  /**
   * The layer's throttling as its emulator logs it (targets whose emulator answers 429 with
   * `Retry-After`): the header's value, the 429s sent, and every call with its time.
   */
  throttling?: {
    retryAfterSeconds: number
    sent(): number
    calls(): readonly { at: number; fault: string | undefined }[]
  }
  /** Completes what is in progress (tracked targets). */
  complete?(): void
  teardown(): Promise<void>
}

export interface TargetFeatures {
  /** Purges `#tag` items. */
  tags: boolean
  /** Purges prefix wildcards (`/a*`). */
  wildcards: boolean
  /** Creating reports an invalidation that is in progress until the layer says Completed. */
  tracked: boolean
  /** A retried request (same CallerReference) returns the first invalidation, billed once. */
  idempotent: boolean
  /** Its emulator answers 429 with `Retry-After` (the fixture gives `throttling`). */
  retryAfter?: boolean
  /** The limits the target chunks under (per request, and in progress when tracked). */
  limits: CdnLimits
}

const signal = new AbortController().signal
const fast = { retries: 6, minTimeoutMs: 5, maxTimeoutMs: 50 }
const fastPoll = { initialMs: 10, maxMs: 50 }

const submit = (target: CdnTarget, batchId: string, items: string[]) =>
  submitInvalidations({
    target,
    batchId,
    items,
    limits: target.limits,
    signal,
    retry: fast,
    roomPoll: fastPoll,
  })

export function targetContract(
  name: string,
  setup: () => Promise<TargetFixture>,
  features: TargetFeatures,
): void {
  // Tests that do not apply are not registered (rather than skipped at run time).
  const tagged = features.tags ? it : undefined
  const wildcarded = features.wildcards ? it : undefined
  const tracked = features.tracked ? it : undefined
  const untracked = features.tracked ? undefined : it
  const idempotent = features.idempotent ? it : undefined
  const retryAfter = features.retryAfter ? it : undefined

  describe(`target contract: ${name}`, () => {
    let fixture: TargetFixture
    beforeEach(async () => {
      fixture = await setup()
    })
    afterEach(async () => {
      await fixture.teardown()
    })

    it('names itself and its limits', () => {
      expect(fixture.target.name).toBe(name)
      expect(fixture.target.distributionId).not.toBe('')
      expect(fixture.target.limits).toEqual(features.limits)
    })

    it('purges paths', async () => {
      const records = await submit(fixture.target, 'paths', ['/a', '/b/c', '/d?x=1'])
      fixture.complete?.()
      expect(records.length).toBe(1)
      expect(await fixture.purged()).toEqual(expect.arrayContaining(['/a', '/b/c', '/d?x=1']))
    })

    tagged?.('purges tags', async () => {
      await submit(fixture.target, 'tags', ['#articles', '#articles:42', '/a'])
      fixture.complete?.()
      expect(await fixture.purged()).toEqual(
        expect.arrayContaining(['#articles', '#articles:42', '/a']),
      )
    })

    wildcarded?.('purges prefix wildcards', async () => {
      await submit(fixture.target, 'wild', ['/blog/*', '/x'])
      fixture.complete?.()
      expect(await fixture.purged()).toEqual(expect.arrayContaining(['/blog/*', '/x']))
    })

    it('chunks a large batch under its limits: every item once, no request refused', async () => {
      const paths = Array.from({ length: features.limits.maxPaths * 2 + 3 }, (_, i) => `/p/${i}`)
      const tags = features.tags ? Array.from({ length: 300 }, (_, i) => `#t${i}`) : []
      const items = [...paths, ...tags]
      if (features.tracked) {
        // Room frees up only as invalidations complete: complete them as they come.
        const timer = setInterval(() => fixture.complete?.(), 20)
        try {
          await submitAll()
        } finally {
          clearInterval(timer)
        }
      } else await submitAll()
      async function submitAll() {
        const records = await submit(fixture.target, 'big', items)
        expect(records.length).toBe(chunkItems(items, features.limits).length)
        expect(records.flatMap((r) => r.paths).sort()).toEqual([...items].sort())
      }
      fixture.complete?.()
      expect(fixture.overLimit()).toBe(0)
      expect(new Set(await fixture.purged())).toEqual(new Set(items))
    })

    it('retries throttling (429/Retry-After or its own) and never surfaces it', async () => {
      fixture.throttleNext(2)
      const records = await submit(fixture.target, 'throttled', ['/t'])
      expect(records.length).toBe(1)
      fixture.complete?.()
      expect(await fixture.purged()).toContain('/t')
    })

    retryAfter?.('waits at least the Retry-After the layer sent before retrying', async () => {
      const throttling = fixture.throttling
      if (!throttling) throw new Error('retryAfter: the fixture must give throttling')
      const before = throttling.calls().length
      const sent = throttling.sent()
      fixture.throttleNext(1)
      const records = await submit(fixture.target, 'retry-after', ['/w'])
      expect(records.length).toBe(1)
      expect(throttling.sent() - sent).toBe(1)
      const [throttled, retried] = throttling.calls().slice(before)
      expect(throttled?.fault).toBe('throttle')
      expect(retried?.fault).toBeUndefined()
      // A correctness bound (never earlier than asked), not a timing: 20 ms for clock granularity.
      const gap = (retried?.at ?? 0) - (throttled?.at ?? 0)
      expect(gap).toBeGreaterThanOrEqual(throttling.retryAfterSeconds * 1000 - 20)
    })

    it('retries its transient errors and never surfaces them', async () => {
      fixture.failNext(2)
      const records = await submit(fixture.target, 'transient', ['/u'])
      expect(records.length).toBe(1)
      fixture.complete?.()
      expect(await fixture.purged()).toContain('/u')
    })

    it('fails the batch on a permanent error, naming the target', async () => {
      const error = await submit(fixture.refused, 'refused', ['/v']).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(CdnError)
      expect((error as CdnError).retryable).toBe(false)
      expect((error as CdnError).message).toContain(`[${name}]`)
      expect(await fixture.purged()).not.toContain('/v')
    })

    idempotent?.('a retried batch returns the same invalidations, accepted once', async () => {
      const first = await submit(fixture.target, 'again', ['/i', '/j'])
      const before = fixture.accepted()
      const second = await submit(fixture.target, 'again', ['/j', '/i'])
      expect(second.map((r) => r.invalidationId)).toEqual(first.map((r) => r.invalidationId))
      expect(fixture.accepted()).toBe(before)
    })

    tracked?.('tracks status until the layer reports Completed', async () => {
      const [record] = await submit(fixture.target, 'tracked', ['/k'])
      expect(record?.status).toBe('InProgress')
      const id = record?.invalidationId ?? ''
      expect((await checkInvalidations(fixture.target, [id], signal, fast))[0]?.status).toBe(
        'InProgress',
      )
      fixture.complete?.()
      expect((await checkInvalidations(fixture.target, [id], signal, fast))[0]?.status).toBe(
        'Completed',
      )
    })

    untracked?.('reports Completed once the layer confirmed the purge', async () => {
      const [record] = await submit(fixture.target, 'sync', ['/m'])
      expect(record?.status).toBe('Completed')
      const id = record?.invalidationId ?? ''
      expect((await checkInvalidations(fixture.target, [id], signal, fast))[0]?.status).toBe(
        'Completed',
      )
    })

    it('counts volume: every accepted request, and the items of each record', async () => {
      const before = fixture.accepted()
      const records = await submit(fixture.target, 'volume', ['/n', '/o'])
      expect(fixture.accepted()).toBeGreaterThan(before)
      expect(records.reduce((sum, r) => sum + r.paths.length, 0)).toBe(2)
    })
  })
}
