/**
 * Turns a plan's paths and tags into CDN invalidation items as CloudFront takes them. Pure.
 *
 * - A path starts with `/`; characters outside printable ASCII, and the unsafe ones, are
 *   percent-encoded (UTF-8, upper-case hex), as a browser would send them.
 * - `*` is a wildcard only as the last character: a path with a `*` inside is broadened to a
 *   wildcard at that `*` (purging more is safe; purging less is stale content).
 * - At most 4,000 characters: a longer path is broadened to a wildcard on its first 3,999.
 * - Duplicates go, and so does anything a wildcard of the same set already covers.
 * - `rscVariants`: Next.js client navigation fetches `<path>?_rsc=<hash>`, and a distribution
 *   whose cache key includes the query string stores each as its own object. The hash is not
 *   knowable, so each exact path gets the wildcard `<path>?_rsc=*` (narrower than `<path>*`,
 *   which would also purge `/a-b` for `/a`). Each is a wildcard: CloudFront allows 15 in
 *   progress, so prefer a cache key without the query (the RSC headers instead) when you can.
 * - `collapse`: when at least that many exact paths share a parent (`/blog/a`, `/blog/b`…),
 *   they become one wildcard (`/blog/*`): one billed path instead of many, at the price of
 *   purging the whole folder.
 * - Tags become `#tag` items when the distribution has cache tags; otherwise they are dropped
 *   with a note (the paths must then carry the purge).
 */
import { purgeTagsFor } from '@freshet/next/protocol'
import { tagProblem } from './limits.ts'

export const MAX_CDN_PATH_LENGTH = 4000

export interface CdnItemOptions {
  /** The distribution names a cache-tag header, so `#tag` items work. */
  tags?: boolean
  /** Add `<path>?_rsc=*` for each exact path (cache key includes the query string). */
  rscVariants?: boolean
  /** Exact paths sharing a parent, this many or more, become `<parent>/*`. */
  collapse?: number
  /**
   * The site sends tags through `@freshet/next`'s `layerTagHeaders`: purge each tag as it spells
   * them (lower-case, long ones hashed) and the bucket that carries it on objects with over 50.
   */
  edgeTags?: boolean
  /** With `edgeTags`: how this layer's header spells each of those tags (Akamai's is narrower). */
  layerTag?: (tag: string) => string
}

export interface CdnItemNote {
  level: 'info' | 'warn'
  /** The path or tag as given. */
  value: string
  reason: 'invalid' | 'duplicate' | 'covered' | 'broadened' | 'collapsed' | 'tags-unsupported'
  message: string
}

export interface CdnItems {
  /** Sorted: paths and wildcards, then `#tag`s. */
  items: string[]
  notes: CdnItemNote[]
}

// Printable ASCII that may stay as it is in a path: RFC 3986 unreserved, sub-delims, ':@/?*'.
const SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?]$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f]/

function encodePath(path: string): string {
  let out = ''
  for (let i = 0; i < path.length; i++) {
    const char = path[i] ?? ''
    if (char === '%' && /^[0-9A-Fa-f]{2}$/.test(path.slice(i + 1, i + 3))) {
      out += `%${path.slice(i + 1, i + 3).toUpperCase()}`
      i += 2
    } else if (SAFE.test(char)) {
      out += char
    } else {
      const code = path.codePointAt(i) ?? 0
      const whole = String.fromCodePoint(code)
      out += encodeURIComponent(whole).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16)}`,
      )
      i += whole.length - 1
    }
  }
  return out
}

/** Cuts to a wildcard at `length`, never inside a `%XX` escape. */
function wildcardAt(path: string, length: number): string {
  let cut = path.slice(0, length)
  const lastEscape = cut.lastIndexOf('%')
  if (lastEscape !== -1 && lastEscape > cut.length - 3) cut = cut.slice(0, lastEscape)
  return `${cut}*`
}

/** One path as CloudFront takes it, or a note saying why it cannot be. */
export function normalisePath(path: string): { item?: string; note?: CdnItemNote } {
  const invalid = (message: string) => ({
    note: { level: 'warn' as const, value: path, reason: 'invalid' as const, message },
  })
  if (path.length === 0) return invalid('an empty path')
  if (CONTROL.test(path)) return invalid('contains a control character')
  let item = encodePath(path.startsWith('/') ? path : `/${path}`)
  const broadened = (message: string) => ({
    item,
    note: { level: 'warn' as const, value: path, reason: 'broadened' as const, message },
  })
  const star = item.indexOf('*')
  if (star !== -1 && star !== item.length - 1) {
    item = wildcardAt(item, star)
    return broadened(`"*" is a wildcard only at the end: purging ${item}`)
  }
  if (item.length > MAX_CDN_PATH_LENGTH) {
    item = wildcardAt(item, MAX_CDN_PATH_LENGTH - 1)
    return broadened(`longer than ${MAX_CDN_PATH_LENGTH} characters: purging ${item.slice(0, 40)}…`)
  }
  return { item }
}

const isWildcard = (item: string) => item.endsWith('*')
function parentOf(path: string): string {
  const withoutQuery = path.split('?')[0] ?? path
  return withoutQuery.slice(0, withoutQuery.lastIndexOf('/') + 1)
}

function collapseShared(paths: string[], threshold: number, notes: CdnItemNote[]): string[] {
  const byParent = new Map<string, string[]>()
  for (const path of paths) {
    if (isWildcard(path)) continue
    const parent = parentOf(path)
    byParent.set(parent, [...(byParent.get(parent) ?? []), path])
  }
  const wildcards: string[] = []
  for (const [parent, group] of byParent) {
    if (group.length < threshold) continue
    wildcards.push(`${parent}*`)
    notes.push({
      level: 'info',
      value: `${parent}*`,
      reason: 'collapsed',
      message: `${group.length} paths under ${parent} collapsed into ${parent}*`,
    })
  }
  return [...paths, ...wildcards]
}

/** Sorted, de-duplicated, without what a wildcard of the set covers. */
function withoutCovered(items: string[], notes: CdnItemNote[]): string[] {
  const key = (item: string) => (isWildcard(item) ? item.slice(0, -1) : item)
  // Sorted by prefix, everything a wildcard covers follows it; on a tie the wildcard comes first.
  const sorted = [...new Set(items)].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    if (ka !== kb) return ka < kb ? -1 : 1
    return Number(isWildcard(b)) - Number(isWildcard(a))
  })
  const kept: string[] = []
  let cover: string | undefined
  for (const item of sorted) {
    if (cover !== undefined && key(item).startsWith(cover)) {
      notes.push({ level: 'info', value: item, reason: 'covered', message: `covered by ${cover}*` })
      continue
    }
    if (isWildcard(item)) cover = key(item)
    kept.push(item)
  }
  return kept
}

function pathItems(
  paths: readonly string[],
  options: CdnItemOptions,
  notes: CdnItemNote[],
): string[] {
  const normalised: string[] = []
  for (const path of paths) {
    const { item, note } = normalisePath(path)
    if (note) notes.push(note)
    if (item !== undefined) normalised.push(item)
  }
  const collapsed =
    options.collapse && options.collapse > 1
      ? collapseShared(normalised, options.collapse, notes)
      : normalised
  const variants = options.rscVariants
    ? collapsed.filter((p) => !isWildcard(p) && !p.includes('?')).map((p) => `${p}?_rsc=*`)
    : []
  return withoutCovered([...collapsed, ...variants], notes)
}

function tagItems(
  tags: readonly string[],
  options: CdnItemOptions,
  notes: CdnItemNote[],
): string[] {
  const valid: string[] = []
  const layerTag = options.layerTag ?? ((tag: string) => tag)
  const spelled = options.edgeTags ? tags.flatMap(purgeTagsFor).map(layerTag) : tags
  for (const tag of new Set(spelled)) {
    const problem = options.tags ? tagProblem(tag) : 'the distribution has no cache tags'
    if (problem === undefined) {
      valid.push(`#${tag}`)
      continue
    }
    const reason = options.tags ? 'invalid' : 'tags-unsupported'
    notes.push({ level: 'warn', value: tag, reason, message: `tag ${problem}` })
  }
  return valid.sort()
}

/** CDN items for a plan's paths and tags, with notes on what changed or went, and why. */
export function cdnItems(
  input: { paths: readonly string[]; tags: readonly string[] },
  options: CdnItemOptions = {},
): CdnItems {
  const notes: CdnItemNote[] = []
  const duplicates = input.paths.length - new Set(input.paths).size
  if (duplicates > 0) {
    notes.push({
      level: 'info',
      value: '',
      reason: 'duplicate',
      message: `${duplicates} duplicate paths`,
    })
  }
  const items = [...pathItems(input.paths, options, notes), ...tagItems(input.tags, options, notes)]
  return { items, notes }
}
