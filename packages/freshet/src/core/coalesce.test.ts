import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { coalesceDecision } from './coalesce.ts'

describe('coalesceDecision', () => {
  it('waits out the window after the newest change', () => {
    const d = coalesceDecision({ oldestReceivedAt: 1000, newestReceivedAt: 1200, now: 1300 })
    expect(d).toEqual({ waitMs: 400 })
  })

  it('collects once the window is quiet', () => {
    const d = coalesceDecision({ oldestReceivedAt: 1000, newestReceivedAt: 1200, now: 1700 })
    expect(d).toEqual({ collect: true })
  })

  it('stops extending at max wait since the oldest change', () => {
    const d = coalesceDecision({ oldestReceivedAt: 0, newestReceivedAt: 4900, now: 4950 })
    expect(d).toEqual({ waitMs: 50 })
    expect(coalesceDecision({ oldestReceivedAt: 0, newestReceivedAt: 4990, now: 5000 })).toEqual({
      collect: true,
    })
  })

  it('honours custom window and max wait', () => {
    const d = coalesceDecision({
      oldestReceivedAt: 0,
      newestReceivedAt: 0,
      now: 0,
      windowMs: 100,
      maxWaitMs: 50,
    })
    expect(d).toEqual({ waitMs: 50 })
  })

  const times = fc
    .record({
      oldest: fc.integer({ min: 0, max: 1e9 }),
      spread: fc.integer({ min: 0, max: 20_000 }),
      elapsed: fc.integer({ min: 0, max: 30_000 }),
      windowMs: fc.integer({ min: 0, max: 10_000 }),
      maxWaitMs: fc.integer({ min: 0, max: 20_000 }),
    })
    .map((t) => ({
      oldestReceivedAt: t.oldest,
      newestReceivedAt: t.oldest + t.spread,
      now: t.oldest + t.spread + t.elapsed,
      windowMs: t.windowMs,
      maxWaitMs: t.maxWaitMs,
    }))

  it('never waits beyond max wait since the oldest change', () => {
    fc.assert(
      fc.property(times, (input) => {
        const d = coalesceDecision(input)
        if ('waitMs' in d) {
          expect(d.waitMs).toBeGreaterThan(0)
          expect(input.now + d.waitMs).toBeLessThanOrEqual(input.oldestReceivedAt + input.maxWaitMs)
        }
      }),
    )
  })

  it('never waits beyond the window after the newest change', () => {
    fc.assert(
      fc.property(times, (input) => {
        const d = coalesceDecision(input)
        if ('waitMs' in d) {
          expect(input.now + d.waitMs).toBeLessThanOrEqual(input.newestReceivedAt + input.windowMs)
        }
      }),
    )
  })

  it('collects only when the window is quiet or max wait is reached', () => {
    fc.assert(
      fc.property(times, (input) => {
        const d = coalesceDecision(input)
        const quiet = input.now >= input.newestReceivedAt + input.windowMs
        const expired = input.now >= input.oldestReceivedAt + input.maxWaitMs
        expect('collect' in d).toBe(quiet || expired)
      }),
    )
  })
})
