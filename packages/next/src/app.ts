import { revalidateTag } from 'next/cache.js'
import type { TokenSource } from './auth.ts'
import { cachedBuildInfo, defaultDistDir } from './build-info.ts'
import { FORWARDED_HEADER, forwardPaths, ownOrigins } from './forward.ts'
import { type Call, handleCall, messageOf, type Reply } from './handler.ts'
import { ProtocolError, parseRevalidateText, type TagResult } from './protocol.ts'

export interface RevalidateRouteOptions {
  /** The shared secret; default `process.env.REVALIDATE_TOKEN`, read on every request. */
  token?: TokenSource
  /** Path of the Pages Router handler that confirms paths. Default `/api/revalidate-paths`. */
  pagesRoute?: string
  /** This server's own origin for the loopback hop. Default `http://127.0.0.1:$PORT`. */
  origin?: string
  /** The build folder. Default `<cwd>/.next`. */
  distDir?: string
  /** Time allowed for the loopback hop (all paths). Default 60 s. */
  timeoutMs?: number
  /**
   * Expires tags in a shared cache handler (e.g. Redis) before the pod answers. On `next start`
   * Next runs the handler's `revalidateTag` only after the response is sent, so without this a
   * pod confirms tags that other pods still serve from the shared cache for a moment (measured:
   * README "Sites with a shared cache"). A tag whose call throws is reported failed.
   */
  sharedTags?: (tags: string[]) => Promise<void>
}

export interface RevalidateRoute {
  GET(request: Request): Promise<Response>
  POST(request: Request): Promise<Response>
}

const MAX_BODY_BYTES = 1_000_000

// Next 16 takes a cache profile; `{ expire: 0 }` makes the next request a fresh render (never
// 'max', which serves one stale answer a CDN would keep). Next 15 takes one argument and ignores
// the second, with the same immediate expiry.
const expireTag = revalidateTag as (tag: string, profile: { expire: number }) => void

/**
 * The App Router side of the pod protocol, for `app/api/revalidate/route.ts`:
 * `export const { GET, POST } = createRevalidateRoute()`. Tags are expired here; paths are
 * confirmed by the Pages Router handler (`res.revalidate` re-renders before it answers).
 */
export function createRevalidateRoute(options: RevalidateRouteOptions = {}): RevalidateRoute {
  const buildInfo = cachedBuildInfo(options.distDir ?? defaultDistDir())
  const token = options.token ?? (() => process.env.REVALIDATE_TOKEN)
  const handle = async (request: Request): Promise<Response> => {
    const pagesRoute = options.pagesRoute ?? '/api/revalidate-paths'
    const urls = ownOrigins(options.origin, new URL(request.url).origin).map(
      (origin) => `${origin}${pagesRoute}`,
    )
    const reply = await handleCall(callOf(request), {
      token,
      buildInfo,
      revalidators: {
        tags: async (tags) => expireShared(tags.map(expire), options.sharedTags),
        paths: async (paths, secret, forwarded) =>
          forwarded
            ? paths.map((path) => ({ path, ok: false, error: PATHS_NEED_PAGES }))
            : forwardPaths(paths, { urls, token: secret, timeoutMs: timeout(options) }),
      },
    })
    return toResponse(reply)
  }
  return { GET: handle, POST: handle }
}

const PATHS_NEED_PAGES =
  'paths are confirmed by the Pages Router handler (createRevalidateApiHandler); ' +
  'its "appRoute" points back here, so it cannot do them'

const timeout = (options: RevalidateRouteOptions) => options.timeoutMs ?? 60_000

function expire(tag: string): TagResult {
  try {
    expireTag(tag, { expire: 0 })
    return { tag, ok: true }
  } catch (error) {
    return { tag, ok: false, error: messageOf(error) }
  }
}

async function expireShared(
  results: TagResult[],
  sharedTags: RevalidateRouteOptions['sharedTags'],
): Promise<TagResult[]> {
  const expired = results.filter((r) => r.ok).map((r) => r.tag)
  if (!sharedTags || expired.length === 0) return results
  try {
    await sharedTags(expired)
    return results
  } catch (error) {
    const message = `shared cache: ${messageOf(error)}`
    return results.map((r) => (r.ok ? { tag: r.tag, ok: false, error: message } : r))
  }
}

function callOf(request: Request): Call {
  return {
    method: request.method,
    authorization: request.headers.get('authorization') ?? undefined,
    forwarded: request.headers.get(FORWARDED_HEADER) === '1',
    readBody: async () => {
      const text = await request.text()
      if (text.length > MAX_BODY_BYTES) {
        throw new ProtocolError(413, 'body_too_large', `body is over ${MAX_BODY_BYTES} bytes`)
      }
      return parseRevalidateText(text)
    },
  }
}

function toResponse(reply: Reply): Response {
  return Response.json(reply.body, {
    status: reply.status,
    headers: { 'cache-control': 'no-store', ...reply.headers },
  })
}
