/** One purge-API call as the emulator saw it: when (monotonic ms) and the fault it met, if any. */
export interface FaultLogEntry {
  at: number
  fault: 'throttle' | 'fail' | undefined
}

/** Faults a purge-API emulator answers on demand: its throttling, or a transient 5xx. */
export function purgeFaults() {
  const queue: ('throttle' | 'fail')[] = []
  const log: FaultLogEntry[] = []
  return {
    /** What a throttled call's `Retry-After` says. */
    retryAfterSeconds: 1,
    /** Every call, in order: a client's retry shows as the gap after a throttled one. */
    log,
    /** The next `count` calls meet the API's rate limit (429 with Retry-After). */
    throttleNext(count: number) {
      for (let i = 0; i < count; i++) queue.push('throttle')
    },
    /** The next `count` calls answer 503. */
    failNext(count: number) {
      for (let i = 0; i < count; i++) queue.push('fail')
    },
    next() {
      const fault = queue.shift()
      log.push({ at: performance.now(), fault })
      return fault
    },
  }
}
