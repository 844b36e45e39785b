/**
 * Each HTTP attempt of a CDN call, as the waterfall draws it. An SDK retries inside one call
 * (CloudFront's retries Throttling and 5xx itself), so its middleware reports each attempt here;
 * a call that reported none counts as one attempt of its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export interface CdnAttempt {
  at: string
  ms: number
  ok: boolean
  error?: string
}

const scope = new AsyncLocalStorage<CdnAttempt[]>()

/** Called by a target's transport for each attempt of the call running now. */
export function noteAttempt(attempt: CdnAttempt) {
  scope.getStore()?.push(attempt)
}

/** Runs a call, appending its attempts to `log` (the call itself, when it reported none). */
export async function withAttempts<T>(log: CdnAttempt[], call: () => Promise<T>): Promise<T> {
  const seen: CdnAttempt[] = []
  const started = Date.now()
  const own = (ok: boolean, error?: string) =>
    seen.length === 0
      ? [
          {
            at: new Date(started).toISOString(),
            ms: Date.now() - started,
            ok,
            ...(error ? { error } : {}),
          },
        ]
      : seen
  try {
    const result = await scope.run(seen, call)
    log.push(...own(true))
    return result
  } catch (error) {
    log.push(...own(false, errorText(error)))
    throw error
  }
}

export function errorText(error: unknown) {
  const e = error as { name?: string; code?: string; message?: string }
  const code = e?.code ?? e?.name
  return code && e?.message && !e.message.startsWith(code)
    ? `${code}: ${e.message}`
    : String(e?.message ?? error)
}

const LIVE_ATTEMPTS = 10
const LIVE_ERROR_CHARS = 200

/**
 * The attempts so far of a call being retried, for the live view: the latest few, each error
 * cut short (every replica's stream carries them, a NOTIFY holds under 8000 bytes).
 */
export function liveAttempts<A extends { error?: string | undefined }>(log: readonly A[]): A[] {
  return log
    .slice(-LIVE_ATTEMPTS)
    .map((attempt) =>
      attempt.error && attempt.error.length > LIVE_ERROR_CHARS
        ? { ...attempt, error: `${attempt.error.slice(0, LIVE_ERROR_CHARS)}…` }
        : attempt,
    )
}
