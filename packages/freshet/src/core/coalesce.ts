/**
 * When to close a batch. Pure: changes that arrive within `windowMs` of each other merge; each
 * arrival extends the window, but never beyond `maxWaitMs` after the oldest change, so a steady
 * trickle of publishes cannot postpone a purge forever.
 */

export interface CoalesceInput {
  /** When the oldest change still waiting arrived (ms since epoch). */
  oldestReceivedAt: number
  /** When the newest change arrived (ms since epoch). */
  newestReceivedAt: number
  now: number
  windowMs?: number
  maxWaitMs?: number
}

export type CoalesceDecision = { collect: true } | { waitMs: number }

export const DEFAULT_WINDOW_MS = 500
export const DEFAULT_MAX_WAIT_MS = 5000

export function coalesceDecision(input: CoalesceInput): CoalesceDecision {
  const windowMs = Math.max(0, input.windowMs ?? DEFAULT_WINDOW_MS)
  const maxWaitMs = Math.max(0, input.maxWaitMs ?? DEFAULT_MAX_WAIT_MS)
  const quietUntil = input.newestReceivedAt + windowMs
  const hardDeadline = input.oldestReceivedAt + maxWaitMs
  const closeAt = Math.min(quietUntil, hardDeadline)
  if (input.now >= closeAt) return { collect: true }
  return { waitMs: closeAt - input.now }
}
