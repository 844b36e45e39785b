/** Faults a purge-API emulator answers on demand: its throttling, or a transient 5xx. */
export function purgeFaults() {
  const queue: ('throttle' | 'fail')[] = []
  return {
    /** The next `count` calls meet the API's rate limit (429 with Retry-After: 1). */
    throttleNext(count: number) {
      for (let i = 0; i < count; i++) queue.push('throttle')
    },
    /** The next `count` calls answer 503. */
    failNext(count: number) {
      for (let i = 0; i < count; i++) queue.push('fail')
    },
    next: () => queue.shift(),
  }
}
