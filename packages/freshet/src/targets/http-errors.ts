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

/**
 * One call to a purge API: the answer's JSON, or a `CdnError` naming the target, the call and
 * what the API said. `advice` by status says what to fix.
 */
export async function callApi(
  target: string,
  where: string,
  url: string,
  init: RequestInit & { signal: AbortSignal; timeoutMs?: number },
  advice: Record<number, string> = {},
): Promise<unknown> {
  let answer: Response
  try {
    answer = await fetch(url, {
      ...init,
      signal: AbortSignal.any([init.signal, AbortSignal.timeout(init.timeoutMs ?? 10_000)]),
    })
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason
    throw networkError(target, where, error)
  }
  const text = await answer.text()
  if (!answer.ok) throw httpError(target, where, answer, advice, text)
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** `https://www.example.com` + `/a?b` → `https://www.example.com/a?b` (no doubled slash). */
export const underBase = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`

/** Splits a list into groups of at most `size`. */
export function groups<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}
