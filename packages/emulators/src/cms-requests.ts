import type { Context } from 'hono'

export interface LoggedCmsRequest {
  method: string
  path: string
  query: string
  /** When it arrived (ms since the epoch): how often something periodic asks. */
  at: number
}

/**
 * What the CMS emulators share in front of their routes: every request logged, an optional
 * delay, injected failures answered ahead of the real answers, and the access token read from
 * the `Authorization` header or `?access_token=`.
 */
export function createCmsRequests(delayMs?: number) {
  const requests: LoggedCmsRequest[] = []
  let failures: number[] = []
  return {
    /** Logs and delays one request; says which status to fail it with, if one was injected. */
    async admit(c: Context) {
      const url = new URL(c.req.url)
      requests.push({ method: c.req.method, path: url.pathname, query: url.search, at: Date.now() })
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
      const token =
        c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ??
        url.searchParams.get('access_token') ??
        undefined
      return { failure: failures.shift(), token }
    },
    /** For tests: what was asked, and failures to inject. */
    controls: {
      requests,
      /** The next requests answer these statuses (a 503, say) before the real answer. */
      failNext(...statuses: number[]) {
        failures = [...failures, ...statuses]
      },
      resetRequests() {
        requests.length = 0
      },
    },
  }
}
