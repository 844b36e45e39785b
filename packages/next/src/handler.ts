import { bearerToken, resolveToken, type TokenSource, tokenMatches } from './auth.ts'
import {
  type BuildInfo,
  errorAnswer,
  type PathResult,
  ProtocolError,
  type RevalidateBody,
  statusOf,
  type TagResult,
} from './protocol.ts'

/**
 * The router-neutral core of both handlers: authentication, routing by method, validation and
 * the answer. Each router's adapter turns its request into a `Call` and a `Reply` into its
 * response, and supplies how it revalidates paths and tags (natively or via its companion).
 */

export interface Call {
  method: string
  authorization: string | undefined
  /** Sent by the companion handler: revalidate natively or fail, never forward again. */
  forwarded: boolean
  readBody(): Promise<RevalidateBody>
}

export interface Reply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export interface Revalidators {
  paths(paths: string[], token: string, forwarded: boolean): Promise<PathResult[]>
  tags(tags: string[], token: string, forwarded: boolean): Promise<TagResult[]>
}

export interface CoreOptions {
  token: TokenSource
  buildInfo(): Promise<BuildInfo>
  revalidators: Revalidators
}

const fail = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  ({ status, body: errorAnswer(new ProtocolError(status, code, message)), headers }) as Reply

export async function handleCall(call: Call, options: CoreOptions): Promise<Reply> {
  if (call.method !== 'GET' && call.method !== 'POST') {
    return fail(405, 'method_not_allowed', `${call.method} is not allowed: use GET or POST`, {
      allow: 'GET, POST',
    })
  }
  const token = resolveToken(options.token)
  if (!token) {
    return fail(500, 'token_not_configured', 'the revalidation token is not configured on this pod')
  }
  if (!tokenMatches(bearerToken(call.authorization), token)) {
    return fail(401, 'unauthorized', 'missing or wrong "Authorization: Bearer <token>"', {
      'www-authenticate': 'Bearer',
    })
  }
  try {
    if (call.method === 'GET') return { status: 200, body: await options.buildInfo() }
    return await revalidate(await call.readBody(), token, call.forwarded, options)
  } catch (error) {
    if (error instanceof ProtocolError) return fail(error.status, error.code, error.message)
    throw error
  }
}

async function revalidate(
  body: RevalidateBody,
  token: string,
  forwarded: boolean,
  options: CoreOptions,
): Promise<Reply> {
  const none = Promise.resolve([])
  const [paths, tags, build] = await Promise.all([
    body.paths.length ? options.revalidators.paths(body.paths, token, forwarded) : none,
    body.tags.length ? options.revalidators.tags(body.tags, token, forwarded) : none,
    options.buildInfo().catch(() => undefined),
  ])
  const answer = { paths, tags, buildId: build?.buildId }
  return { status: statusOf(answer), body: answer }
}

/** Runs `task` over `items`, at most `limit` at a time, keeping order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : String(error)
