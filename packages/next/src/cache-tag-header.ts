/**
 * The response header a CDN reads cache tags from. CloudFront lets the distribution name the
 * header; `Cache-Tag` is the common spelling (Cloudflare, Fastly-compatible tooling), so it is
 * the default. Tags are comma-separated; CloudFront keeps at most 50 per object.
 */

export const DEFAULT_CACHE_TAG_HEADER = 'Cache-Tag'
export const MAX_TAGS_PER_OBJECT = 50

export interface CacheTagOptions {
  /** The header the distribution reads tags from. Default `Cache-Tag`. */
  header?: string
}

/** The header value for a set of tags: deduplicated, comma-separated, at most 50. */
export function cacheTagValue(tags: readonly string[]): string {
  const unique = [...new Set(tags.map((tag) => tag.trim()).filter(Boolean))]
  for (const tag of unique) {
    if (tag.includes(',')) throw new TypeError(`[freshet] [cache-tag] tag "${tag}" has a comma`)
  }
  if (unique.length > MAX_TAGS_PER_OBJECT) {
    throw new RangeError(
      `[freshet] [cache-tag] ${unique.length} tags; the CDN keeps at most ${MAX_TAGS_PER_OBJECT}`,
    )
  }
  return unique.join(',')
}

/**
 * `{ 'Cache-Tag': 'articles,articles:42' }`: spread it into `next.config` `headers()` entries,
 * a route handler's response or a proxy's `NextResponse.next({ headers })`.
 */
export function cacheTagHeaders(
  tags: readonly string[],
  options: CacheTagOptions = {},
): Record<string, string> {
  return { [options.header ?? DEFAULT_CACHE_TAG_HEADER]: cacheTagValue(tags) }
}

/** Sets the cache-tag header on a response (a `Response` or `NextResponse`) and returns it. */
export function withCacheTags<R extends Response>(
  response: R,
  tags: readonly string[],
  options: CacheTagOptions = {},
): R {
  response.headers.set(options.header ?? DEFAULT_CACHE_TAG_HEADER, cacheTagValue(tags))
  return response
}
