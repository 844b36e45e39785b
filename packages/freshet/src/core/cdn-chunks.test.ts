import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  callerReference,
  chunkItems,
  cloudFrontLimits,
  fits,
  loadOf,
  pollDelayMs,
} from './cdn-chunks.ts'

const item = fc.oneof(
  fc.stringMatching(/^\/[a-z0-9/-]{0,12}$/),
  fc.stringMatching(/^\/[a-z0-9/-]{0,8}\*$/),
  fc.stringMatching(/^#[a-z0-9:-]{1,8}$/),
)
const limits = fc.record({
  maxPaths: fc.integer({ min: 1, max: 20 }),
  maxWildcards: fc.integer({ min: 1, max: 5 }),
})

describe('chunkItems', () => {
  it('keeps every item exactly once and every chunk under the limits', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 200 }), limits, (items, limit) => {
        const chunks = chunkItems(items, limit)
        expect(chunks.flat().sort()).toEqual([...new Set(items)].sort())
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0)
          expect(fits(chunk, { paths: 0, wildcards: 0 }, limit)).toBe(true)
        }
      }),
    )
  })

  it('gives the same chunks for the same set in any order (a retry recreates them)', () => {
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 200 }),
        limits,
        fc.integer(),
        (items, limit, seed) => {
          const shuffled =
            fc.sample(fc.shuffledSubarray(items, { minLength: items.length }), {
              seed,
              numRuns: 1,
            })[0] ?? []
          expect(chunkItems([...shuffled, ...items.slice(0, 3)], limit)).toEqual(
            chunkItems(items, limit),
          )
        },
      ),
    )
  })

  it('uses as few chunks as the limits allow', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 200 }), limits, (items, limit) => {
        const load = loadOf([...new Set(items)])
        const least = Math.max(
          Math.ceil(load.paths / limit.maxPaths),
          Math.ceil(load.wildcards / limit.maxWildcards),
        )
        expect(chunkItems(items, limit)).toHaveLength(least)
      }),
    )
  })

  it('splits a 20,000-path burst into 7 CloudFront-sized chunks', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => `/p/${i}`)
    const chunks = chunkItems(items, cloudFrontLimits)
    expect(chunks.map((c) => c.length)).toEqual([3000, 3000, 3000, 3000, 3000, 3000, 2000])
  })

  it('refuses limits that cannot hold anything', () => {
    expect(() => chunkItems(['/a'], { maxPaths: 0, maxWildcards: 15 })).toThrow(
      /\[freshet\] \[cdn\]/,
    )
    expect(() => chunkItems(['/a*'], { maxPaths: 10, maxWildcards: 0 })).toThrow(/wildcards/)
  })
})

describe('fits, callerReference, pollDelayMs', () => {
  it('counts tags as paths and wildcards apart', () => {
    expect(loadOf(['/a', '#t', '/b*'])).toEqual({ paths: 2, wildcards: 1 })
    const limit = { maxPaths: 3, maxWildcards: 1 }
    expect(fits(['/a', '#t'], { paths: 1, wildcards: 0 }, limit)).toBe(true)
    expect(fits(['/a', '#t'], { paths: 2, wildcards: 0 }, limit)).toBe(false)
    expect(fits(['/b*'], { paths: 0, wildcards: 1 }, limit)).toBe(false)
  })

  it('derives a stable, distinct CallerReference', () => {
    expect(callerReference('b1', 'E2', 0)).toBe(callerReference('b1', 'E2', 0))
    const refs = new Set([
      callerReference('b1', 'E2', 0),
      callerReference('b1', 'E2', 1),
      callerReference('b2', 'E2', 0),
      callerReference('b1', 'E3', 0),
    ])
    expect(refs.size).toBe(4)
  })

  it('backs off exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((a) => pollDelayMs(a))).toEqual([
      1000, 2000, 4000, 8000, 10000, 10000, 10000,
    ])
    expect(pollDelayMs(2, { initialMs: 100, maxMs: 250 })).toBe(250)
    fc.assert(
      fc.property(fc.nat(100), (attempt) => {
        const delay = pollDelayMs(attempt)
        expect(delay).toBeGreaterThanOrEqual(1000)
        expect(delay).toBeLessThanOrEqual(10_000)
        expect(pollDelayMs(attempt + 1)).toBeGreaterThanOrEqual(delay)
      }),
    )
  })
})
