/**
 * The CLI's client of the admin API. Every failure is a `CliError` whose message ends with the
 * fix (`fixFor`): a 401 names --token and FRESHET_ADMIN_TOKEN, a 400 points at the command's
 * --help, a refused connection asks whether freshet runs at that URL.
 */

/** An error the CLI prints as is (one line) and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** Exit code when freshet cannot be reached or refuses the request. */
export const EXIT_REMOTE = 3

export interface ClientOptions {
  url: string
  token?: string | undefined
}

export type AdminClient = ReturnType<typeof adminClient>

export function adminClient(options: ClientOptions) {
  const token = options.token ?? process.env.FRESHET_ADMIN_TOKEN
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const target = new URL(path, options.url)
    const response = await fetch(target, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((cause: unknown) => {
      throw unreachable(options.url, cause)
    })
    const answer = (await response.json().catch(() => ({}))) as {
      error?: { message?: string }
    }
    if (!response.ok) throw refused(options.url, method, target, response.status, answer, token)
    return answer
  }
  /** A streaming GET (Server-Sent Events): the open response, or the same errors as `get`. */
  async function stream(path: string, signal: AbortSignal): Promise<Response> {
    const target = new URL(path, options.url)
    const response = await fetch(target, {
      signal,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        accept: 'text/event-stream',
      },
    }).catch((cause: unknown) => {
      throw unreachable(options.url, cause)
    })
    if (!response.ok || !response.body) {
      const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } }
      throw refused(options.url, 'GET', target, response.status, answer, token)
    }
    return response
  }
  return {
    url: options.url,
    stream,
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown = {}) => call('POST', path, body),
  }
}

function unreachable(url: string, cause: unknown): CliError {
  const inner = (cause as { cause?: { code?: string; message?: string } }).cause
  const reason = inner?.code ?? inner?.message ?? (cause as Error).message
  return new CliError(
    `[freshet] cannot reach freshet at ${url} (${reason}): is freshet running at ${url}? ` +
      'Start it with npx freshet serve, or point --url / FRESHET_URL at it',
    EXIT_REMOTE,
    { cause },
  )
}

function refused(
  url: string,
  method: string,
  target: URL,
  status: number,
  answer: { error?: { message?: string } },
  token: string | undefined,
): CliError {
  const said = answer.error?.message ?? `HTTP ${status}`
  const where = `${method} ${target.pathname} on ${url}`
  return new CliError(
    `[freshet] ${where} answered ${status}, ${said}: ${fixFor(status, target, url, token)}`,
    EXIT_REMOTE,
  )
}

// The command a path belongs to, for the `--help` a 400 points at.
const COMMAND_OF: readonly [RegExp, string][] = [
  [/^\/api\/invalidations/, 'invalidate'],
  [/^\/api\/simulate/, 'simulate'],
  [/^\/api\/events\/[^/]+\/retry/, 'retry'],
  [/^\/api\/events\/./, 'status'],
  [/^\/api\/events/, 'events'],
]

/** What to do about an HTTP status: one clause, the end of the error line. */
export function fixFor(status: number, target: URL, url: string, token: string | undefined) {
  const path = target.pathname
  const id = decodeURIComponent(/^\/api\/events\/([^/]+)/.exec(path)?.[1] ?? 'ID')
  const command = COMMAND_OF.find(([pattern]) => pattern.test(path))?.[1]
  if (status === 401)
    return token
      ? 'the token is not the server’s server.adminToken; pass --token or set FRESHET_ADMIN_TOKEN to it'
      : 'no admin token given; pass --token or set FRESHET_ADMIN_TOKEN'
  if (status === 403)
    return 'the token may not do this; pass the server’s server.adminToken with --token or FRESHET_ADMIN_TOKEN'
  if (status === 404)
    return /^\/api\/events\//.test(path)
      ? `no such event ${id}; npx freshet events lists the recent ones`
      : `nothing answers ${path} at ${url}; check that --url / FRESHET_URL points at freshet itself`
  if (status === 409 && command === 'retry')
    return `only failed events can be retried; see npx freshet status ${id}`
  if (status >= 500) return 'see the freshet server’s log'
  const help = command ? `npx freshet ${command} --help` : 'npx freshet --help'
  return `change the request as the server says; ${help} shows the arguments`
}
