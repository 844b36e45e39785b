const CLOSED = 0
const OPEN = 1

/**
 * Whether a commit is worth a nudge to the pipeline thread, in memory both threads share. Under
 * load the collector's coalescing window is open nearly all the time and ignores nudges, yet a
 * message per commit cost the main thread its posting and the pipeline thread a wake-up: with
 * the gate, the server's CPU per webhook at 5,000/s fell from 89–102 to 81–85 µs
 * (`bench/intake.ts` on PostgreSQL, four alternating pairs).
 * The collector opens the gate as each look starts; the first commit after that closes it and
 * sends the one nudge. A commit that finds it closed needs none: either a look started after
 * it (and sees it), or a nudge is on its way, or a window is open whose end looks anyway.
 */
export interface NudgeGate {
  /** The shared memory, for the other thread's `createNudgeGate(buffer)`. */
  readonly buffer: SharedArrayBuffer
  /** After a commit: true when a nudge is due, and closes the gate. */
  take(): boolean
  /** As a look starts: it sees every commit before this one, so tell of the next. */
  open(): void
}

/** Starts closed: the pipeline thread's first look opens it. */
export function createNudgeGate(
  buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT),
): NudgeGate {
  const state = new Int32Array(buffer)
  return {
    buffer,
    take: () => Atomics.compareExchange(state, 0, OPEN, CLOSED) === OPEN,
    open: () => {
      Atomics.store(state, 0, OPEN)
    },
  }
}
