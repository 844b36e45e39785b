import type { IncomingMessage } from 'node:http'
import type { NextApiHandler, NextApiRequest, NextApiResponse } from 'next'
import type { TokenSource } from './auth.ts'
import { cachedBuildInfo, defaultDistDir } from './build-info.ts'
import { FORWARDED_HEADER, forwardTags, ownOrigins } from './forward.ts'
import { type Call, handleCall, mapLimited, messageOf } from './handler.ts'
import {
  type PathResult,
  ProtocolError,
  parseRevalidateBody,
  parseRevalidateText,
} from './protocol.ts'

export interface RevalidateApiHandlerOptions {
  /** The shared secret; default `process.env.REVALIDATE_TOKEN`, read on every request. */
  token?: TokenSource
  /** Path of the App Router route that expires tags. Default `/api/revalidate`. */
  appRoute?: string
  /** This server's own origin for the loopback hop. Default `http://127.0.0.1:$PORT`. */
  origin?: string
  /** The build folder. Default `<cwd>/.next`. */
  distDir?: string
  /** Paths re-rendered at once. Default 4. */
  concurrency?: number
  /** Time allowed for the loopback hop (all tags). Default 30 s. */
  timeoutMs?: number
}

const MAX_BODY_BYTES = 1_000_000

const TAGS_NEED_APP =
  'tags can only be revalidated in App Router context: mount createRevalidateRoute and point ' +
  '"appRoute" at it'

/**
 * The Pages Router side of the pod protocol, for `pages/api/revalidate-paths.ts` (or
 * `pages/api/revalidate.ts` on a Pages-only site): `export default createRevalidateApiHandler()`.
 * Paths are confirmed with `res.revalidate`, which re-renders before it returns and keeps the
 * last good page when rendering fails; tags go to the App Router route.
 */
export function createRevalidateApiHandler(
  options: RevalidateApiHandlerOptions = {},
): NextApiHandler {
  const buildInfo = cachedBuildInfo(options.distDir ?? defaultDistDir())
  const token = options.token ?? (() => process.env.REVALIDATE_TOKEN)
  return async (req: NextApiRequest, res: NextApiResponse) => {
    const appRoute = options.appRoute ?? '/api/revalidate'
    const urls = ownOrigins(options.origin, arrivedOn(req)).map((origin) => `${origin}${appRoute}`)
    const reply = await handleCall(callOf(req), {
      token,
      buildInfo,
      revalidators: {
        paths: (paths) =>
          mapLimited(paths, options.concurrency ?? 4, (path) => rerender(res, path)),
        tags: async (tags, secret, forwarded) =>
          forwarded
            ? tags.map((tag) => ({ tag, ok: false, error: TAGS_NEED_APP }))
            : forwardTags(tags, {
                urls,
                token: secret,
                timeoutMs: options.timeoutMs ?? 30_000,
              }),
      },
    })
    res.setHeader('cache-control', 'no-store')
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value)
    res.status(reply.status).json(reply.body)
  }
}

async function rerender(res: NextApiResponse, path: string): Promise<PathResult> {
  try {
    await res.revalidate(path)
    return { path, ok: true }
  } catch (error) {
    return { path, ok: false, error: messageOf(error) }
  }
}

/** The address and port this request was accepted on: this very server. */
function arrivedOn(req: NextApiRequest): string {
  const address = req.socket.localAddress ?? '127.0.0.1'
  const host = address.includes(':') ? `[${address}]` : address
  return `http://${host}:${req.socket.localPort}`
}

function callOf(req: NextApiRequest): Call {
  const authorization = req.headers.authorization
  return {
    method: req.method ?? 'GET',
    authorization,
    forwarded: req.headers[FORWARDED_HEADER] === '1',
    readBody: () => bodyOf(req),
  }
}

/** Works with Next's body parser on (parsed object or string) or off (`bodyParser: false`). */
async function bodyOf(req: NextApiRequest) {
  const body: unknown = req.body
  if (typeof body === 'string') return parseRevalidateText(body)
  if (body !== undefined) return parseRevalidateBody(body)
  return parseRevalidateText(await readText(req))
}

async function readText(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      throw new ProtocolError(413, 'body_too_large', `body is over ${MAX_BODY_BYTES} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
