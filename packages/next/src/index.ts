/**
 * `@freshet/next`: the Next.js side of freshet's pod protocol.
 *
 * - `@freshet/next/app`: `createRevalidateRoute` for `app/api/revalidate/route.ts`
 * - `@freshet/next/pages`: `createRevalidateApiHandler` for `pages/api/revalidate-paths.ts`
 * - here: tag spelling, the cache-tag header, and the protocol's types and parser.
 *
 * This entry imports nothing from Next.js, so it is safe in `next.config`, a proxy and tests.
 */
export { type TokenSource, tokenMatches } from './auth.ts'
export { readBuildInfo } from './build-info.ts'
export {
  type CacheTagOptions,
  cacheTagHeaders,
  cacheTagValue,
  DEFAULT_CACHE_TAG_HEADER,
  MAX_TAGS_PER_OBJECT,
  withCacheTags,
} from './cache-tag-header.ts'
export { FORWARDED_HEADER } from './forward.ts'
export {
  akamaiTag,
  DEFAULT_CLOUDFRONT_TAG_HEADER,
  type LayerTagOptions,
  layerTagHeaders,
  objectTags,
  purgeTagsFor,
} from './layer-tags.ts'
export {
  type BuildInfo,
  type ErrorAnswer,
  type PathResult,
  ProtocolError,
  parseRevalidateBody,
  parseRevalidateText,
  type RevalidateAnswer,
  type RevalidateBody,
  statusOf,
  type TagResult,
} from './protocol.ts'
export { collectionTag, itemTag, tags } from './tags.ts'
