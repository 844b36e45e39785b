/**
 * Splits CDN items into invalidation chunks under CloudFront's limits, and the schedules used to
 * wait for them. Pure.
 *
 * Chunking is deterministic: the same set of items, in any order, gives the same chunks. That is
 * what makes a retry after a crash safe: chunk `i` of batch `b` always carries the same items
 * under the same CallerReference, so CloudFront returns the invalidation it already created
 * instead of creating (and billing) a second one.
 */
/** Work a CDN has in progress, for chunking under its limits. */
export interface CdnLoad {
  paths: number
  wildcards: number
}

export interface CdnLimits {
  /** Exact paths and `#tag`s (a tag counts as one path) per chunk and in progress. */
  maxPaths: number
  /** Wildcard paths (`/a*`) per chunk and in progress: a separate, much smaller budget. */
  maxWildcards: number
}

export const cloudFrontLimits: CdnLimits = { maxPaths: 3000, maxWildcards: 15 }

export const isWildcardItem = (item: string): boolean => !item.startsWith('#') && item.endsWith('*')

/** The load a list of items puts on the CDN while in progress. */
export function loadOf(items: readonly string[]): CdnLoad {
  const wildcards = items.filter(isWildcardItem).length
  return { paths: items.length - wildcards, wildcards }
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Chunks of at most `maxPaths` paths and `maxWildcards` wildcards: as few as the limits allow
 * (the larger of the two quotients), each item exactly once, sorted within and across chunks.
 */
export function chunkItems(
  items: readonly string[],
  limits: CdnLimits = cloudFrontLimits,
): string[][] {
  if (limits.maxPaths < 1 || limits.maxWildcards < 0) {
    throw new RangeError(
      `[freshet] [cdn] chunk limits must allow at least one path: ${JSON.stringify(limits)}`,
    )
  }
  const unique = [...new Set(items)].sort(byCodeUnit)
  const wildcards = unique.filter(isWildcardItem)
  const paths = unique.filter((item) => !isWildcardItem(item))
  if (wildcards.length > 0 && limits.maxWildcards < 1) {
    throw new RangeError('[freshet] [cdn] wildcards given but the limits allow none')
  }
  const count = Math.max(
    Math.ceil(paths.length / limits.maxPaths),
    wildcards.length === 0 ? 0 : Math.ceil(wildcards.length / limits.maxWildcards),
  )
  const chunks: string[][] = []
  for (let index = 0; index < count; index++) {
    const chunk = [
      ...paths.slice(index * limits.maxPaths, (index + 1) * limits.maxPaths),
      ...wildcards.slice(index * limits.maxWildcards, (index + 1) * limits.maxWildcards),
    ]
    chunks.push(chunk.sort(byCodeUnit))
  }
  return chunks
}

/**
 * The CallerReference of chunk `chunkIndex` of a batch on a distribution: stable across retries
 * and restarts, distinct across batches, chunks and distributions.
 */
export function callerReference(
  batchId: string,
  distributionId: string,
  chunkIndex: number,
): string {
  return `freshet:${batchId}:${distributionId}:${chunkIndex}`
}

/** Whether a chunk fits beside the load already in progress. */
export function fits(
  chunk: readonly string[],
  load: CdnLoad,
  limits: CdnLimits = cloudFrontLimits,
): boolean {
  const needs = loadOf(chunk)
  return (
    load.paths + needs.paths <= limits.maxPaths &&
    load.wildcards + needs.wildcards <= limits.maxWildcards
  )
}

export interface PollSchedule {
  initialMs: number
  maxMs: number
}

export const defaultPollSchedule: PollSchedule = { initialMs: 1000, maxMs: 10_000 }

/** Delay before poll `attempt` (0-based): `initialMs`, doubled each time, capped at `maxMs`. */
export function pollDelayMs(attempt: number, schedule: PollSchedule = defaultPollSchedule): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30)
  return Math.min(schedule.initialMs * 2 ** exponent, schedule.maxMs)
}
