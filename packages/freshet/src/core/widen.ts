/**
 * Widening: a bounded time to fresh under a burst. Pure.
 *
 * A tracked CDN (CloudFront) takes only so much in progress at once (3,000 paths, 15 wildcards)
 * and each invalidation takes its completion time, so what it can purge per second is fixed.
 * When the work ahead of a batch plus the batch itself cannot complete within
 * `maxDelaySeconds`, the batch's exact paths are grouped into prefix wildcards (`/articles/*`):
 * one billed path and one wildcard slot instead of thousands of paths, at the price of purging
 * everything cached under the prefix. `/*` (the whole site) only when `allowSiteWide`.
 *
 * Words: *ahead* is the load in progress plus the load waiting to be submitted before this
 * batch; a *wave* is one completion time's worth of the limits (3,000 paths and 15 wildcards).
 */
import { type CdnLimits, type CdnLoad, isWildcardItem, loadOf } from './cdn-chunks.ts'

export interface WidenInput {
  /** The batch's CDN items as `cdnItems` made them: `/a`, `/b*`, `#tag`. */
  items: readonly string[]
  /** In progress at once on the target. */
  limits: CdnLimits
  /** In progress and waiting ahead of this batch. */
  ahead: CdnLoad
  /** How long one invalidation takes to complete (observed). */
  completionSeconds: number
  maxDelaySeconds: number
  /** Already spent since the batch's changes arrived. */
  elapsedSeconds?: number
  /** `/*` may be purged when nothing narrower fits. */
  allowSiteWide: boolean
  /** The target's name in notes (`CloudFront`). */
  targetName?: string
}

export interface WidenNote {
  level: 'info' | 'warn'
  message: string
}

export interface WidenResult {
  items: string[]
  widened: boolean
  /** Estimated seconds to Completed as given, and as returned. */
  estimatedSeconds: number
  widenedSeconds: number
  /** Each wildcard added and the exact items it replaced. */
  groups: { wildcard: string; replaced: number }[]
  notes: WidenNote[]
}

const SITE = '/'

/** Seconds until a batch adding `need` behind `ahead` is Completed, in whole waves. */
export function estimateSeconds(
  ahead: CdnLoad,
  need: CdnLoad,
  limits: CdnLimits,
  completionSeconds: number,
): number {
  const pathWaves = need.paths > 0 ? Math.ceil((ahead.paths + need.paths) / limits.maxPaths) : 0
  const wildWaves =
    need.wildcards > 0
      ? Math.ceil((ahead.wildcards + need.wildcards) / Math.max(1, limits.maxWildcards))
      : 0
  return Math.max(pathWaves, wildWaves) * completionSeconds
}

const isTag = (item: string) => item.startsWith('#')
const prefixOf = (item: string) => (isWildcardItem(item) ? item.slice(0, -1) : item)

/** Whether `item` is purged by `by` (itself, or a wildcard whose prefix it starts with). */
export function covers(by: string, item: string): boolean {
  if (by === item || by === '/*') return true
  return isWildcardItem(by) && !isTag(item) && prefixOf(item).startsWith(prefixOf(by))
}

/** The folders above a path or wildcard, deepest first, ending with `/` (the site). */
export function foldersOf(item: string): string[] {
  const path = prefixOf(item).split('?')[0] ?? ''
  const folders: string[] = []
  for (let end = path.lastIndexOf('/'); end >= 0; end = path.lastIndexOf('/', end - 1)) {
    folders.push(path.slice(0, end + 1))
    if (end === 0) break
  }
  return folders
}

interface Group {
  folder: string
  members: string[]
}

/** Items (not tags) under `folder` that no kept group already covers. */
function membersUnder(folder: string, loose: readonly string[]): string[] {
  return loose.filter((item) => prefixOf(item).startsWith(folder))
}

function without(items: readonly string[], gone: readonly string[]): string[] {
  const set = new Set(gone)
  return items.filter((i) => !set.has(i))
}

interface Budget {
  paths: number
  wildcards: number
}

/**
 * Groups paths into folder wildcards until the loose exact paths fit `budget.paths` and the
 * wildcards `budget.wildcards`. First the folders that directly hold the most paths (the least
 * over-purge per path saved: `/articles/` for `/articles/42`, never a parent of it); then,
 * while there are too many wildcards, the deepest folder that merges the most of them. `/` is
 * never a group here: the site-wide purge is the caller's last resort.
 */
function group(items: readonly string[], budget: Budget) {
  let loose = [...items]
  let groups: Group[] = []
  const exactCount = () => loose.filter((i) => !isWildcardItem(i)).length
  const wildCount = () => groups.length + loose.filter(isWildcardItem).length
  for (let guard = 0; guard < 100_000; guard++) {
    const tooManyPaths = exactCount() > budget.paths
    if (tooManyPaths && wildCount() < budget.wildcards) {
      const best = bestFolder(loose)
      if (best) {
        groups.push(best)
        loose = without(loose, best.members)
        continue
      }
    }
    if (wildCount() > budget.wildcards || tooManyPaths) {
      const merged = mergeFolder(
        groups,
        loose,
        wildCount() > budget.wildcards ? 'wildcards' : 'paths',
      )
      if (!merged) break
      groups = [...groups.filter((g) => !g.folder.startsWith(merged.folder)), merged]
      loose = without(loose, merged.members)
      continue
    }
    break
  }
  return { groups, loose }
}

/** The folder (not `/`) directly holding the most loose exact paths, deepest on a tie. */
function bestFolder(loose: readonly string[]): Group | undefined {
  const counts = new Map<string, number>()
  for (const item of loose) {
    if (isWildcardItem(item)) continue
    const folder = foldersOf(item)[0]
    if (folder && folder !== SITE) counts.set(folder, (counts.get(folder) ?? 0) + 1)
  }
  const ranked = [...counts].sort(
    ([a, ca], [b, cb]) => cb - ca || b.length - a.length || (a < b ? -1 : 1),
  )
  const folder = ranked[0]?.[0]
  return folder === undefined ? undefined : { folder, members: membersUnder(folder, loose) }
}

/**
 * The deepest folder (not `/`) above the wildcards that reduces what is over budget: one that
 * merges at least two of them (too many wildcards), or that takes one of them over more loose
 * exact paths (too many paths, every wildcard slot used).
 */
function mergeFolder(
  groups: readonly Group[],
  loose: readonly string[],
  need: 'wildcards' | 'paths',
): Group | undefined {
  const wildcards = [...groups.map((g) => `${g.folder}*`), ...loose.filter(isWildcardItem)]
  const merged = new Map<string, number>()
  for (const wildcard of wildcards) {
    // A group's own folder is not a merge of it; the folders above it are.
    for (const folder of foldersOf(wildcard))
      if (`${folder}*` !== wildcard && folder !== SITE)
        merged.set(folder, (merged.get(folder) ?? 0) + 1)
  }
  const exactUnder = (folder: string) =>
    membersUnder(folder, loose).filter((i) => !isWildcardItem(i)).length
  const ranked = [...merged]
    .filter(([folder, count]) => (need === 'wildcards' ? count >= 2 : exactUnder(folder) > 0))
    .sort(([a, ca], [b, cb]) => b.length - a.length || cb - ca || (a < b ? -1 : 1))
  const folder = ranked[0]?.[0]
  if (folder === undefined) return undefined
  const members = [
    ...groups.filter((g) => g.folder.startsWith(folder)).flatMap((g) => g.members),
    ...membersUnder(folder, loose),
  ]
  return { folder, members }
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 })

function summaryNote(input: WidenInput, result: Omit<WidenResult, 'notes'>): WidenNote {
  const name = input.targetName ?? 'the CDN'
  const { limits, ahead } = input
  const elapsed = input.elapsedSeconds ?? 0
  const fits = result.widenedSeconds + elapsed <= input.maxDelaySeconds
  const replaced = result.groups.reduce((sum, g) => sum + g.replaced, 0)
  const outcome = fits
    ? `about ${fmt(result.widenedSeconds + elapsed)} s now`
    : `still about ${fmt(result.widenedSeconds + elapsed)} s` +
      (input.allowSiteWide ? '' : '; a site-wide purge is not allowed (allowSiteWide)')
  return {
    level: fits ? 'info' : 'warn',
    message:
      `${name}: ${fmt(loadOf(input.items).paths)} paths behind ${fmt(ahead.paths)} paths and ` +
      `${fmt(ahead.wildcards)} wildcards in progress or waiting would be Completed about ` +
      `${fmt(result.estimatedSeconds + elapsed)} s after the batch formed (${fmt(elapsed)} s so far; ` +
      `${fmt(limits.maxPaths)} paths and ${fmt(limits.maxWildcards)} wildcards in progress, ` +
      `about ${fmt(input.completionSeconds)} s each); widened ${fmt(replaced)} items into ` +
      `${result.groups.length} wildcard(s) to fit within maxDelaySeconds ${fmt(input.maxDelaySeconds)}: ${outcome}`,
  }
}

function groupNote({ wildcard, replaced }: { wildcard: string; replaced: number }): WidenNote {
  const what =
    wildcard === '/*'
      ? 'purges the whole site'
      : `purges every object cached under ${wildcard.slice(0, -1)}, not only these`
  return {
    level: wildcard === '/*' ? 'warn' : 'info',
    message: `widened ${fmt(replaced)} items under ${wildcard.slice(0, -1)} into ${wildcard}: billed 1 path instead of ${fmt(replaced)}; ${what}`,
  }
}

const unchangedResult = (items: string[], seconds: number): WidenResult => ({
  items,
  widened: false,
  estimatedSeconds: seconds,
  widenedSeconds: seconds,
  groups: [],
  notes: [],
})

/** Room a batch may take for its seconds left: whole waves, less what is ahead. */
function budgetFor(input: WidenInput, tags: number): Budget {
  const { limits, ahead } = input
  const left = input.maxDelaySeconds - (input.elapsedSeconds ?? 0)
  // Nothing completes sooner than one wave: with less time left, aim for the next wave.
  const waves = Math.max(1, Math.floor(left / Math.max(input.completionSeconds, 1e-9)))
  return {
    paths: Math.max(0, waves * limits.maxPaths - ahead.paths - tags),
    // One chunk's worth at most: the next batch needs room too.
    wildcards: Math.min(
      limits.maxWildcards,
      Math.max(1, waves * limits.maxWildcards - ahead.wildcards),
    ),
  }
}

/**
 * The batch's items as given when they fit within `maxDelaySeconds`; otherwise widened into at
 * most the wildcards there is room for (never more than the target takes in progress), every
 * item given still covered. `/*` only as a last resort, and only with `allowSiteWide`.
 */
export function widen(input: WidenInput): WidenResult {
  const { limits, ahead, completionSeconds } = input
  const items = [...new Set(input.items)].sort()
  const estimated = estimateSeconds(ahead, loadOf(items), limits, completionSeconds)
  if (items.length === 0 || estimated + (input.elapsedSeconds ?? 0) <= input.maxDelaySeconds)
    return unchangedResult(items, estimated)
  const tags = items.filter(isTag)
  const paths = items.filter((i) => !isTag(i))
  const budget = budgetFor(input, tags.length)
  const grouped = group(paths, budget)
  let kept = keepWithinLimits(grouped.groups, grouped.loose, limits, loadOf(items).wildcards)
  const exact = kept.loose.filter((i) => !isWildcardItem(i)).length
  const wild = kept.groups.length + kept.loose.filter(isWildcardItem).length
  if ((exact > budget.paths || wild > budget.wildcards) && input.allowSiteWide && paths.length > 0)
    kept = { groups: [{ folder: SITE, members: paths }], loose: [] }
  if (kept.groups.length === 0) return unchangedResult(items, estimated)
  const wildcards = kept.groups.map((g) => `${g.folder}*`)
  // The whole site covers every tag too.
  const withTags = wildcards.includes('/*') ? [] : tags
  const widenedItems = [...wildcards, ...kept.loose, ...withTags].sort()
  const result = {
    items: widenedItems,
    widened: true,
    estimatedSeconds: estimated,
    widenedSeconds: estimateSeconds(ahead, loadOf(widenedItems), limits, completionSeconds),
    groups: kept.groups.map((g, i) => ({
      wildcard: wildcards[i] ?? '',
      replaced: g.members.length,
    })),
  }
  return { ...result, notes: [summaryNote(input, result), ...result.groups.map(groupNote)] }
}

/**
 * At most as many wildcards as the target takes in progress (or as the batch had): groups past
 * that are dissolved, smallest first, back into the items they replaced.
 */
function keepWithinLimits(
  groups: Group[],
  loose: string[],
  limits: CdnLimits,
  givenWildcards: number,
) {
  const cap = Math.max(limits.maxWildcards, givenWildcards)
  const sorted = [...groups].sort((a, b) => b.members.length - a.members.length)
  for (let keep = sorted.length; keep > 0; keep--) {
    const back = [...loose, ...sorted.slice(keep).flatMap((g) => g.members)]
    if (keep + back.filter(isWildcardItem).length <= cap)
      return { groups: sorted.slice(0, keep), loose: back }
  }
  return { groups: [], loose: [...loose, ...groups.flatMap((g) => g.members)] }
}

/** AWS quotes completion under 25 s at P95: the assumption until completions are observed. */
export const DEFAULT_COMPLETION_SECONDS = 25

/** The median of the completion times observed (seconds), or the default with none. */
export function completionEstimate(samples: readonly number[]): number {
  if (samples.length === 0) return DEFAULT_COMPLETION_SECONDS
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? DEFAULT_COMPLETION_SECONDS
}

/** A batch waiting ahead: its plan's size, its widened items if any, what it already sent. */
export interface WaitingLoad {
  widened: readonly string[] | null
  planned: number
  submitted: number
}

/**
 * The load ahead of a batch: what is in progress, plus what batches before it still send, each
 * rounded up to whole chunks. A chunk waits until it fits beside what is in progress, so a
 * batch's last, partial chunk rarely shares its wave with the next batch's full one (5,000
 * paths go as 3,000 + 2,000, and a 2,000 beside a 3,000 does not fit).
 */
export function loadAhead(
  inProgress: CdnLoad,
  waiting: readonly WaitingLoad[],
  limits: CdnLimits,
): CdnLoad {
  let { paths, wildcards } = inProgress
  const whole = (n: number) => Math.ceil(n / limits.maxPaths) * limits.maxPaths
  for (const batch of waiting) {
    if (batch.widened) {
      const load = loadOf(batch.widened)
      paths += whole(Math.max(0, load.paths - batch.submitted))
      if (batch.submitted === 0) wildcards += load.wildcards
    } else paths += whole(Math.max(0, batch.planned - batch.submitted))
  }
  return { paths, wildcards }
}
