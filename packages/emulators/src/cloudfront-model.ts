/**
 * The state of the CloudFront emulator: distributions, their invalidations, the limits CloudFront
 * enforces on them, and the counters tests and benches read. No HTTP here (see cloudfront.ts).
 *
 * Limits, as documented: per distribution at most 3,000 paths and 15 wildcard paths in progress
 * (two separate budgets); a `#tag` item counts as one path; a path starts with `/`, has `*` only
 * at its end and at most 4,000 characters; a tag has at most 256 printable ASCII characters and
 * no comma.
 */

export interface Invalidation {
  id: string
  distributionId: string
  callerReference: string
  items: string[]
  createTime: Date
  status: 'InProgress' | 'Completed'
}

export interface DistributionLimits {
  maxPathsInProgress: number
  maxWildcardsInProgress: number
}

export interface Distribution {
  id: string
  limits: DistributionLimits
  /** Whether the distribution names a cache-tag header, so `#tag` items are accepted. */
  tags: boolean
  /** Newest first, as ListInvalidations answers. */
  invalidations: Invalidation[]
  inProgress: { paths: number; wildcards: number }
}

export interface CloudFrontStats {
  callsByOperation: Record<string, number>
  errorsByCode: Record<string, number>
  invalidationsCreated: number
  peakPathsInProgress: number
  peakWildcardsInProgress: number
  /** What CloudFront bills: one per item of each new invalidation (wildcard 1, tag 1). */
  pathsBilled: number
}

/** An error CloudFront answers with: its HTTP status and code. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

export const errorStatus: Record<string, number> = {
  TooManyInvalidationsInProgress: 400,
  Throttling: 400,
  InvalidArgument: 400,
  BatchTooLarge: 413,
  NoSuchDistribution: 404,
  NoSuchInvalidation: 404,
  InvalidationBatchAlreadyExists: 409,
  AccessDenied: 403,
  InternalError: 500,
  ServiceUnavailable: 503,
}

export const apiError = (code: string, message: string): ApiError =>
  new ApiError(errorStatus[code] ?? 400, code, message)

export const emptyStats = (): CloudFrontStats => ({
  callsByOperation: {},
  errorsByCode: {},
  invalidationsCreated: 0,
  peakPathsInProgress: 0,
  peakWildcardsInProgress: 0,
  pathsBilled: 0,
})

export const isWildcard = (item: string): boolean => !item.startsWith('#') && item.endsWith('*')

/** Paths (tags included) and wildcards an item list puts in progress. */
export function itemLoad(items: readonly string[]): { paths: number; wildcards: number } {
  const wildcards = items.filter(isWildcard).length
  return { paths: items.length - wildcards, wildcards }
}

const MAX_PATH = 4000
const MAX_TAG = 256

/** Why CloudFront would refuse this item, or undefined. */
export function itemProblem(item: string, tagsEnabled: boolean): string | undefined {
  if (item.startsWith('#')) {
    if (!tagsEnabled) return `${item}: this distribution has no cache-tag header configured`
    const tag = item.slice(1)
    if (tag.length === 0 || tag.length > MAX_TAG)
      return `${item}: a tag has 1-${MAX_TAG} characters`
    if (!/^[\x21-\x7e]+$/.test(tag) || tag.includes(',')) {
      return `${item}: a tag is printable ASCII without spaces or commas`
    }
    return undefined
  }
  if (!item.startsWith('/')) return `${item}: a path must start with "/"`
  if (item.length > MAX_PATH) return `a path is at most ${MAX_PATH} characters`
  if (item.indexOf('*') !== -1 && item.indexOf('*') !== item.length - 1) {
    return `${item}: "*" is a wildcard only as the last character`
  }
  if (!/^[\x21-\x7e]+$/.test(item)) return `${item}: characters must be percent-encoded`
  return undefined
}

/** Throws the ApiError CloudFront would answer for this batch, if any. */
export function validateBatch(distribution: Distribution, items: readonly string[]): void {
  if (items.length === 0) throw apiError('InvalidArgument', 'Paths must contain at least one item')
  for (const item of items) {
    const problem = itemProblem(item, distribution.tags)
    if (problem) throw apiError('InvalidArgument', `Invalid invalidation path: ${problem}`)
  }
  const load = itemLoad(items)
  const { limits } = distribution
  if (load.paths > limits.maxPathsInProgress || load.wildcards > limits.maxWildcardsInProgress) {
    throw apiError(
      'BatchTooLarge',
      `Invalidation batch specified is too large: ${load.paths} paths, ${load.wildcards} wildcards`,
    )
  }
}

/** Throws TooManyInvalidationsInProgress when the batch does not fit beside the work in progress. */
export function checkRoom(distribution: Distribution, items: readonly string[]): void {
  const load = itemLoad(items)
  const { inProgress, limits } = distribution
  if (
    inProgress.paths + load.paths > limits.maxPathsInProgress ||
    inProgress.wildcards + load.wildcards > limits.maxWildcardsInProgress
  ) {
    throw apiError(
      'TooManyInvalidationsInProgress',
      `Processing your request will cause you to exceed the maximum number of in-progress ` +
        `invalidations: ${inProgress.paths} paths and ${inProgress.wildcards} wildcards in progress`,
    )
  }
}

export const sameItems = (a: readonly string[], b: readonly string[]): boolean => {
  if (a.length !== b.length) return false
  const sortedB = [...b].sort()
  return [...a].sort().every((item, index) => item === sortedB[index])
}

/** CloudFront-looking ids (`I` + 13 upper-case characters), deterministic by sequence. */
export const invalidationId = (sequence: number): string =>
  `I${sequence.toString(36).toUpperCase().padStart(13, '0')}`
