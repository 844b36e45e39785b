/**
 * `CdnError`s for the targets that speak plain HTTP (Varnish, Cloudflare, Fastly, Akamai): 429,
 * 408 and 5xx may pass (a `Retry-After` says when); anything else is permanent and says what to
 * fix. Every message names the target, as `[freshet] [<target>]`.
 */
import { CdnError } from './types.ts'

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

const mayPass = (status: number) => status === 429 || status === 408 || status >= 500

/**
 * The error for a non-2xx answer. `advice` by status says what to fix; `detail` is what the
 * layer said (its error body), never a credential.
 */
export function httpError(
  target: string,
  where: string,
  answer: Response,
  advice: Record<number, string> = {},
  detail = '',
): CdnError {
  const status = answer.status
  const code = status === 429 ? 'Throttling' : `HTTP${status}`
  const hint = advice[status] ? `: ${advice[status]}` : ''
  const said = detail ? ` (${detail.slice(0, 300)})` : ''
  return new CdnError(`[freshet] [${target}] ${where} answered ${status}${hint}${said}`, {
    code,
    retryable: mayPass(status),
    ...(mayPass(status)
      ? { retryAfterMs: retryAfterMs(answer.headers.get('retry-after')) ?? undefined }
      : {}),
  })
}

/** The error for a request that got no answer (refused, reset, timed out): it may pass. */
export function networkError(target: string, where: string, cause: unknown): CdnError {
  const message = (cause as Error | undefined)?.message ?? String(cause)
  return new CdnError(`[freshet] [${target}] ${where}: no answer (${message})`, {
    code: 'NetworkError',
    retryable: true,
    cause,
  })
}
