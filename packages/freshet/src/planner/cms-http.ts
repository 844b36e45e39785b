/**
 * Reading a CMS's REST API: JSON in, retries for 5xx, 429 and network errors with backoff, and a
 * clear error when it keeps failing (the event then fails rather than purging too little).
 */
import pRetry, { AbortError } from 'p-retry'
import { z } from 'zod'

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>

export const cmsRetryConfig = z
  .strictObject({
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('Retries after a 5xx, 429 or network error.'),
    minTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(200)
      .describe('First retry delay; doubles each time.'),
    maxTimeoutMs: z.number().int().min(0).default(5000).describe('Longest retry delay.'),
    timeoutMs: z.number().int().min(1).default(10_000).describe('Timeout of one CMS request.'),
  })
  .describe('How freshet retries reads from the CMS REST API.')

export type CmsRetry = z.output<typeof cmsRetryConfig>
export const defaultCmsRetry: CmsRetry = cmsRetryConfig.parse({})

/** A CMS read that failed for good; names the CMS, the request and the answer. */
export class CmsError extends Error {
  readonly status: number | undefined
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CmsError'
    this.status = status
  }
}

export interface JsonAnswer {
  status: number
  body: unknown
}

export interface RequestOptions {
  /** `directus`, `contentful`: errors say `[freshet] [directus] …`. */
  origin: string
  retry: CmsRetry
  signal?: AbortSignal | undefined
  /** Statuses that are an answer, not a failure (Directus' 403 for a missing item, say). */
  accept?: readonly number[]
}

/**
 * A value as one path segment of a CMS API URL: percent-encoded, so `/`, `?` and `#` stay in
 * it. A segment that is empty, `.` or `..` is refused: a URL parser removes or climbs it
 * (`%2e` too), so it would ask another resource than the one named. The sources refuse such
 * ids at the door; this is the last guard for ids read from the CMS itself.
 */
export function pathSegment(origin: string, value: string | number): string {
  const text = String(value)
  if (text === '' || text === '.' || text === '..') {
    throw new CmsError(`[freshet] [${origin}] refusing ${JSON.stringify(text)} as an id in a URL`)
  }
  return encodeURIComponent(text)
}

/**
 * The base URL of a CMS API, kept whole: `https://host/cms/` and `https://host/cms` both keep
 * their `/cms` prefix, and API paths are appended to it.
 */
export const apiBase = (url: string) => url.replace(/\/+$/, '')

const retryable = (status: number) => status >= 500 || status === 429 || status === 408

/** One JSON request with retries; throws `CmsError` for other statuses or when retries run out. */
export async function requestJson(
  fetch: FetchLike,
  url: string,
  init: RequestInit,
  options: RequestOptions,
): Promise<JsonAnswer> {
  const method = init.method ?? 'GET'
  const what = `[freshet] [${options.origin}] ${method} ${new URL(url).pathname}`
  const attempt = async (): Promise<JsonAnswer> => {
    const signals = [AbortSignal.timeout(options.retry.timeoutMs), options.signal]
    const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined))
    const response = await fetch(url, { ...init, signal })
    const ok = response.ok || options.accept?.includes(response.status)
    if (!ok) {
      const detail = (await response.text()).slice(0, 300)
      const error = new CmsError(`${what} answered ${response.status}: ${detail}`, response.status)
      throw retryable(response.status) ? error : new AbortError(error)
    }
    const text = await response.text()
    try {
      return { status: response.status, body: text ? JSON.parse(text) : null }
    } catch (cause) {
      throw new AbortError(
        new CmsError(`${what} answered invalid JSON`, response.status, { cause }),
      )
    }
  }
  try {
    return await pRetry(attempt, {
      retries: options.retry.retries,
      minTimeout: options.retry.minTimeoutMs,
      maxTimeout: options.retry.maxTimeoutMs,
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof CmsError || options.signal?.aborted) throw error
    throw new CmsError(`${what} failed: ${(error as Error).message}`, undefined, { cause: error })
  }
}

/**
 * A fetch that answers a repeated GET from memory: one planning round (one batch) asks the CMS
 * once per URL, however many changes lead to the same item. Counts the requests it lets through.
 */
export function memoFetch(fetch: FetchLike): FetchLike & { requests: () => number } {
  const cache = new Map<string, Promise<{ status: number; headers: Headers; text: string }>>()
  let requests = 0
  const send = async (input: string | URL, init?: RequestInit) => {
    requests++
    const res = await fetch(input, init)
    return { status: res.status, headers: res.headers, text: await res.text() }
  }
  const memo = async (input: string | URL, init?: RequestInit) => {
    const method = init?.method ?? 'GET'
    const key = `${method} ${String(input)} ${typeof init?.body === 'string' ? init.body : ''}`
    const cacheable = method === 'GET' || method === 'SEARCH'
    let pending = cacheable ? cache.get(key) : undefined
    if (!pending) {
      pending = send(input, init)
      if (cacheable) cache.set(key, pending)
      // A failed or 5xx answer is not kept: the retry must reach the CMS again.
      pending.then(
        (r) => r.status >= 500 && cache.delete(key),
        () => cache.delete(key),
      )
    }
    const answer = await pending
    return new Response(answer.text, { status: answer.status, headers: answer.headers })
  }
  return Object.assign(memo, { requests: () => requests })
}
