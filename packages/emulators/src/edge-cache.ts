/** The caching edge's objects: what to store, how long, and what an invalidation item drops. */

export interface CachedObject {
  status: number
  headers: [string, string][]
  body: Uint8Array
  tags: Set<string>
  origin: string
  storedAt: number
  /** Served as a Hit until then. */
  freshUntil: number
  /** Served stale (and refreshed in the background) until then. */
  staleUntil: number
}

const DROPPED_HEADERS = new Set([
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
])

function directives(cacheControl: string | null): Map<string, string> {
  const found = new Map<string, string>()
  for (const part of (cacheControl ?? '').split(',')) {
    const [name = '', value = ''] = part.trim().toLowerCase().split('=')
    if (name) found.set(name, value.replaceAll('"', ''))
  }
  return found
}

/** Seconds fresh and seconds stale-while-revalidate a shared cache may keep this answer. */
export function lifetimes(cacheControl: string | null): { fresh: number; stale: number } {
  const d = directives(cacheControl)
  if (d.has('no-store') || d.has('no-cache') || d.has('private')) return { fresh: 0, stale: 0 }
  const seconds = (name: string) => {
    const value = Number(d.get(name))
    return Number.isFinite(value) && value > 0 ? value : 0
  }
  const fresh = d.has('s-maxage') ? seconds('s-maxage') : seconds('max-age')
  return { fresh, stale: fresh > 0 ? seconds('stale-while-revalidate') : 0 }
}

const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 404, 410])

export async function storable(
  answer: Response,
  origin: string,
  tagHeader: string,
  now: number,
): Promise<CachedObject> {
  const { fresh, stale } = CACHEABLE_STATUS.has(answer.status)
    ? lifetimes(answer.headers.get('cache-control'))
    : { fresh: 0, stale: 0 }
  const headers = [...answer.headers].filter(([name]) => !DROPPED_HEADERS.has(name))
  const tags = (answer.headers.get(tagHeader) ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean)
  return {
    status: answer.status,
    headers,
    body: new Uint8Array(await answer.arrayBuffer()),
    tags: new Set(tags),
    origin,
    storedAt: now,
    freshUntil: now + fresh * 1000,
    staleUntil: now + (fresh + stale) * 1000,
  }
}

export function freshness(object: CachedObject, now: number): 'fresh' | 'stale' | 'expired' {
  if (now < object.freshUntil) return 'fresh'
  if (now < object.staleUntil) return 'stale'
  return 'expired'
}

export function responseFrom(object: CachedObject, cache: 'Hit' | 'Miss', now: number): Response {
  const headers = new Headers(object.headers)
  headers.set('x-cache', cache)
  headers.set('x-edge-origin', object.origin)
  if (cache === 'Hit') headers.set('age', String(Math.floor((now - object.storedAt) / 1000)))
  const body = object.status === 204 || object.status === 304 ? null : object.body.slice()
  return new Response(body, { status: object.status, headers })
}

/** Whether an invalidation item (`/exact`, `/prefix*`, `#tag`) drops the object under `key`. */
export function matchesItem(item: string, key: string, object: CachedObject): boolean {
  if (item.startsWith('#')) return object.tags.has(item.slice(1))
  if (item.endsWith('*')) return key.startsWith(item.slice(0, -1))
  return key === item
}
