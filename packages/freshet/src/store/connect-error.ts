/**
 * Why the store cannot be reached, said for the operator: which key holds the URL (its password
 * masked), the host and port, the cause, and the fix. And whether waiting may help: at start a
 * pod may come up before its database, so refusals, DNS misses and a starting server are
 * retried with backoff for a bounded time; a wrong password or a missing database are not.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** `postgres://freshet:***@db:5432/freshet`: the URL with its password masked. */
export function maskUrl(url: string): string {
  if (!URL.canParse(url)) return url.replace(/(\/\/[^/:@]*:)[^/@]*@/, '$1***@')
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.href
}

interface PgError {
  code?: string
  message?: string
  errors?: PgError[]
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P03', // the database system is starting up
  '53300', // too many connections
])

const codeOf = (error: unknown) => {
  const e = error as PgError
  return e.code ?? e.errors?.find((inner) => inner.code)?.code
}

/** Whether waiting may help: the server is not up (yet), not a wrong URL or password. */
export function isTransient(error: unknown): boolean {
  const code = codeOf(error)
  return code !== undefined && TRANSIENT_CODES.has(code)
}

function fixFor(error: unknown, host: string): string {
  const code = codeOf(error)
  const message = (error as PgError).message ?? ''
  if (code === 'ECONNREFUSED') return `is PostgreSQL running and listening on ${host}?`
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `check the host name ${host}`
  if (code === '28P01' || code === '28000')
    return /user name/.test(message)
      ? 'write the user in the URL: postgres://USER:PASSWORD@HOST:5432/DATABASE'
      : 'check the user and password in the URL'
  if (code === '3D000') return 'create the database, or name an existing one in the URL'
  if (code === '57P03') return 'PostgreSQL is starting; it should answer shortly'
  return 'check the URL: postgres://USER:PASSWORD@HOST:5432/DATABASE'
}

/** One line: `[freshet] [store] cannot connect to PostgreSQL at db:5432 (store.url …): cause; fix`. */
export function describeConnectError(url: string, error: unknown, waitedMs = 0): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  const host = parsed ? `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}` : '(unknown)'
  const cause = ((error as PgError).message ?? String(error)).split('\n')[0]
  const tried = waitedMs > 0 ? ` (tried for ${Math.round(waitedMs / 1000)} s)` : ''
  return (
    `[freshet] [store] cannot connect to PostgreSQL at ${host}${tried} ` +
    `(store.url or DATABASE_URL: ${maskUrl(url)}): ${cause || codeOf(error) || 'unknown error'}; ` +
    fixFor(error, host)
  )
}

export interface ConnectRetry {
  /** How long to keep trying while the server is not up; 0: once. */
  forMs: number
  /** Told before each wait, with the reason (one line). */
  onRetry?: (message: string, delayMs: number) => void
}

/**
 * Runs `connect` until it succeeds, retrying transient failures with backoff (0.5 s doubling to
 * 5 s) for at most `retry.forMs`; then throws one error whose message says it all.
 */
export async function connectWithRetry<T>(
  url: string,
  connect: () => Promise<T>,
  retry: ConnectRetry = { forMs: 0 },
): Promise<T> {
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect()
    } catch (error) {
      const waited = Date.now() - started
      const delay = Math.min(500 * 2 ** attempt, 5_000)
      if (!isTransient(error) || waited + delay > retry.forMs) {
        throw new Error(describeConnectError(url, error, attempt > 0 ? waited : 0), {
          cause: error,
        })
      }
      retry.onRetry?.(`${describeConnectError(url, error)}; retrying in ${delay} ms`, delay)
      await sleep(delay)
    }
  }
}
