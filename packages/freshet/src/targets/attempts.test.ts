import { describe, expect, it } from 'vitest'
import { liveAttempts } from './attempts.ts'

describe('the attempts a live retry carries', () => {
  it('are the latest ten, each error cut, small enough for one NOTIFY beside the rest', () => {
    const log = Array.from({ length: 50 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 11, 7, 3, 0, i)).toISOString(),
      ms: i,
      ok: false,
      error: `${i} ${'e'.repeat(5000)}`,
    }))
    const live = liveAttempts(log)
    expect(live.map((a) => a.ms)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49])
    for (const attempt of live) expect(attempt.error?.length).toBeLessThanOrEqual(201)
    expect(Buffer.byteLength(JSON.stringify(live))).toBeLessThan(3000)
    expect(log[0]?.error.length).toBe(5002)
  })

  it('keeps short ones as they are', () => {
    const log = [{ at: '2026-12-07T03:00:00.000Z', ms: 3, ok: false, error: 'HTTP 500' }]
    expect(liveAttempts(log)).toEqual(log)
  })
})
