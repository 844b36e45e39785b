/**
 * A caching edge: a reverse proxy in front of the pods (round-robin) that caches GET answers as
 * a CDN does, and drops exactly what CloudFront invalidations name once they complete. This is
 * how end-to-end tests see what a user would.
 *
 * - Cached: GET answers with `Cache-Control` `s-maxage` (else `max-age`) > 0, unless `no-store`,
 *   `no-cache` or `private`. `stale-while-revalidate` is honoured as CloudFront does: a stale
 *   object is served (and refreshed in the background) until the window ends. That is why
 *   invalidation matters: without it, a stale page is served at least once more.
 * - Cache key: path + query (or the path alone with `ignoreQuery`), as the client sent it.
 * - Tags: read from a response header (default `Cache-Tag`, comma-separated).
 * - Answers carry `X-Cache: Hit` or `X-Cache: Miss`, and `X-Edge-Origin` (the pod that rendered).
 * - Invalidation items: `/exact` (that key only), `/prefix*` (keys starting with it), `#tag`.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type CachedObject, freshness, matchesItem, responseFrom, storable } from './edge-cache.ts'

/** The emulator's feed of completed invalidations (`startCloudFrontEmulator().onCompleted`). */
export type InvalidationFeed = (
  listener: (event: { distributionId: string; items: string[] }) => void,
) => () => void

export interface EdgeOptions {
  /** Pod base URLs, e.g. `http://127.0.0.1:3001`; requests go round-robin. */
  origins: string[]
  port?: number
  /** Response header carrying cache tags (default `cache-tag`). */
  tagHeader?: string
  /** Cache key without the query string (a distribution whose cache key ignores it). */
  ignoreQuery?: boolean
  /** Completed invalidations to apply, and of which distribution (default: all). */
  invalidations?: InvalidationFeed
  distributionId?: string
  now?: () => number
}

export interface EdgeStats {
  hits: number
  misses: number
  /** Objects dropped by invalidations. */
  dropped: number
}

function listen(app: Hono, port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () =>
      resolve(server as Server),
    )
  })
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']

function forwardHeaders(request: Request): Headers {
  const headers = new Headers(request.headers)
  for (const name of HOP_BY_HOP) headers.delete(name)
  headers.delete('accept-encoding') // keep bodies plain: the edge stores them as bytes
  return headers
}

export async function startEdge(options: EdgeOptions) {
  if (options.origins.length === 0) throw new Error('[emulators] [edge] give at least one origin')
  const now = options.now ?? Date.now
  const tagHeader = options.tagHeader ?? 'cache-tag'
  const cache = new Map<string, CachedObject>()
  const stats: EdgeStats = { hits: 0, misses: 0, dropped: 0 }
  const refreshing = new Set<Promise<unknown>>()
  let next = 0

  async function fromOrigin(request: Request, pathAndQuery: string): Promise<CachedObject> {
    const origin = options.origins[next++ % options.origins.length] ?? ''
    const answer = await fetch(new URL(pathAndQuery, origin), {
      method: request.method,
      headers: forwardHeaders(request),
      body:
        request.method === 'GET' || request.method === 'HEAD'
          ? undefined
          : await request.arrayBuffer(),
      redirect: 'manual',
    })
    return storable(answer, origin, tagHeader, now())
  }

  async function refresh(key: string, request: Request, pathAndQuery: string) {
    const object = await fromOrigin(request, pathAndQuery)
    if (object.freshUntil > now() || object.staleUntil > now()) cache.set(key, object)
  }

  const app = new Hono()
  app.all('*', async (c) => {
    const url = new URL(c.req.url)
    const pathAndQuery = `${url.pathname}${url.search}`
    const key = options.ignoreQuery ? url.pathname : pathAndQuery
    const cached = c.req.method === 'GET' ? cache.get(key) : undefined
    const state = cached ? freshness(cached, now()) : 'expired'
    if (cached && state !== 'expired') {
      stats.hits += 1
      if (state === 'stale') {
        const pending = refresh(key, c.req.raw.clone(), pathAndQuery)
          .catch(() => cache.delete(key))
          .finally(() => refreshing.delete(pending))
        refreshing.add(pending)
      }
      return responseFrom(cached, 'Hit', now())
    }
    stats.misses += 1
    const object = await fromOrigin(c.req.raw, pathAndQuery)
    if (c.req.method === 'GET' && object.staleUntil > now()) cache.set(key, object)
    return responseFrom(object, 'Miss', now())
  })

  /** Drops what the items name; returns how many objects went. */
  function invalidate(items: readonly string[]): number {
    let dropped = 0
    for (const [key, object] of cache) {
      if (items.some((item) => matchesItem(item, key, object))) {
        cache.delete(key)
        dropped += 1
      }
    }
    stats.dropped += dropped
    return dropped
  }

  const unsubscribe = options.invalidations?.((event) => {
    if (!options.distributionId || event.distributionId === options.distributionId) {
      invalidate(event.items)
    }
  })
  const server = await listen(app, options.port ?? 0)
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    app,
    stats,
    invalidate,
    /** Resolves once the background refreshes started so far are done. */
    settled: async (): Promise<void> => {
      await Promise.allSettled([...refreshing])
    },
    /** Cache keys held now. */
    keys: (): string[] => [...cache.keys()],
    async close(): Promise<void> {
      unsubscribe?.()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

export type Edge = Awaited<ReturnType<typeof startEdge>>
