/** Injectable faults of the CloudFront emulator: deterministic, so a failing test replays. */
import { ApiError, apiError, errorStatus } from './cloudfront-model.ts'

/** mulberry32: a tiny seeded PRNG, so "30% throttled" throttles the same calls every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface ThrottleOptions {
  /** Fraction of calls answered `Throttling` (0–1). */
  fraction: number
  seed?: number
}

export function createFaults() {
  let throttle: { fraction: number; random: () => number } | undefined
  const failures: ApiError[] = []
  let drops = 0

  return {
    /** Throttle a fraction of all calls from now on; `fraction: 0` stops. */
    throttle(options: ThrottleOptions): void {
      throttle =
        options.fraction > 0
          ? { fraction: options.fraction, random: seededRandom(options.seed ?? 1) }
          : undefined
    },
    /** The next `count` calls fail with `code` (default ServiceUnavailable, a 503). */
    failNext(count: number, code = 'ServiceUnavailable'): void {
      const message = code === 'ServiceUnavailable' ? 'Service Unavailable' : `Injected ${code}`
      for (let i = 0; i < count; i++) {
        failures.push(new ApiError(errorStatus[code] ?? 500, code, message))
      }
    },
    /** The next `count` creations happen, then the connection drops before the answer. */
    dropAfterCreate(count = 1): void {
      drops += count
    },
    /** The fault this call meets before it is handled, if any. */
    beforeCall(): ApiError | undefined {
      const failure = failures.shift()
      if (failure) return failure
      if (throttle && throttle.random() < throttle.fraction) {
        return apiError('Throttling', 'Rate exceeded')
      }
      return undefined
    },
    /** Whether this newly created invalidation's answer is dropped. */
    dropThisAnswer(): boolean {
      if (drops === 0) return false
      drops -= 1
      return true
    },
  }
}

export type Faults = ReturnType<typeof createFaults>
