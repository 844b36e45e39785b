/**
 * Cache tags every layer can read, spelled the same way on both sides: the site (`@freshet/next`)
 * sends them, freshet purges them. Pure; no Node APIs (runs in a proxy or middleware too).
 *
 * - One list, each tag as the strictest layer takes it (CloudFront: case-insensitive, at most 256
 *   characters, no commas or spaces): lower-cased; a tag that is longer or has other characters
 *   becomes `h:<hash>`.
 * - At most 50 tags an object (CloudFront keeps no more): past the first 42, each tag is carried
 *   by its bucket `b:<0-7>` instead. freshet purges a tag and its bucket (`purgeTagsFor`), so what
 *   it purges is what the object carries, whichever side of the cut the tag fell on.
 * - One header per layer: `Cache-Tag` (Cloudflare), `Surrogate-Key` (Fastly), `Edge-Cache-Tag`
 *   (Akamai), `xkey` (Varnish), and the header a CloudFront distribution names.
 * - Akamai is narrower than CloudFront (at most 128 characters, RFC 7230 token characters but not
 *   `:`, `*`, `@`…; a bad tag is dropped from the object without an error), so `Edge-Cache-Tag`
 *   carries each tag of the list through `akamaiTag`, and freshet's Akamai target purges the same.
 */

export const MAX_TAGS_ON_OBJECT = 50
export const TAG_BUCKETS = 8
export const DEFAULT_CLOUDFRONT_TAG_HEADER = 'x-amz-meta-cache-tag'

/** FNV-1a, 32-bit, as 8 hex digits: the same on every runtime. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}

/** A tag as every layer carries it. */
export function edgeTag(tag: string): string {
  const lower = tag.toLowerCase()
  if (
    lower.length > 0 &&
    lower.length <= 256 &&
    /^[\x21-\x7e]+$/.test(lower) &&
    !lower.includes(',')
  )
    return lower
  return `h:${fnv1a(tag)}`
}

// Akamai's allowed cache-tag characters (techdocs.akamai.com/purge-cache/docs/assign-cache-tags).
const AKAMAI_TAG = /^[A-Za-z0-9&'^\-$!`#%.+~_|]{1,128}$/

/** A tag of the list (already `edgeTag`-spelled) as Akamai's `Edge-Cache-Tag` can carry it. */
export function akamaiTag(tag: string): string {
  return AKAMAI_TAG.test(tag) ? tag : `h-${fnv1a(tag)}`
}

/** The bucket that carries a tag on objects with more tags than a layer keeps. */
export function bucketTag(tag: string): string {
  return `b:${Number.parseInt(fnv1a(edgeTag(tag)), 16) % TAG_BUCKETS}`
}

/** The tags an object carries: at most 50, surplus ones through their buckets. */
export function objectTags(tags: readonly string[]): string[] {
  const unique = [...new Set(tags.map(edgeTag))]
  if (unique.length <= MAX_TAGS_ON_OBJECT) return unique
  const cut = MAX_TAGS_ON_OBJECT - TAG_BUCKETS
  return [...unique.slice(0, cut), ...new Set(unique.slice(cut).map(bucketTag))]
}

/** What freshet purges for a tag: the tag as objects carry it, and its bucket. */
export function purgeTagsFor(tag: string): string[] {
  return [edgeTag(tag), bucketTag(tag)]
}

export interface LayerTagOptions {
  /** The header the CloudFront distribution's CacheTagConfig names. */
  cloudfrontHeader?: string
}

/** Every layer's tag header for one object, from one list. */
export function layerTagHeaders(
  tags: readonly string[],
  options: LayerTagOptions = {},
): Record<string, string> {
  const list = objectTags(tags)
  const commas = list.join(',')
  const spaces = list.join(' ')
  return {
    'Cache-Tag': commas,
    'Surrogate-Key': spaces,
    'Edge-Cache-Tag': list.map(akamaiTag).join(','),
    xkey: spaces,
    [options.cloudfrontHeader ?? DEFAULT_CLOUDFRONT_TAG_HEADER]: commas,
  }
}
