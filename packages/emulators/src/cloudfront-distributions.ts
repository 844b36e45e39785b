import {
  apiError,
  type CloudFrontStats,
  checkRoom,
  type Distribution,
  type DistributionLimits,
  emptyStats,
  type Invalidation,
  invalidationId,
  itemLoad,
  sameItems,
  validateBatch,
} from './cloudfront-model.ts'

export interface DistributionOptions {
  limits?: Partial<DistributionLimits>
  /** Accept `#tag` items (the distribution names a cache-tag header). Default true. */
  tags?: boolean
}

/** What the emulator tells in-process subscribers (the caching edge) when an invalidation ends. */
export interface CompletedInvalidation {
  distributionId: string
  invalidationId: string
  items: string[]
}

export type CompletedListener = (event: CompletedInvalidation) => void

export interface DistributionsOptions {
  completeAfterMs: number
  limits: DistributionLimits
}

export interface Created {
  invalidation: Invalidation
  /** False when the CallerReference already named this batch: the existing one is returned. */
  created: boolean
}

/** The distributions of the emulator and their invalidations, kept across stop()/start(). */
export function createDistributions(options: DistributionsOptions) {
  const byId = new Map<string, Distribution>()
  const timers = new Set<NodeJS.Timeout>()
  const listeners = new Set<CompletedListener>()
  const stats: CloudFrontStats = emptyStats()
  let sequence = 0

  function add(id: string, distribution: DistributionOptions = {}): Distribution {
    const created: Distribution = {
      id,
      limits: { ...options.limits, ...distribution.limits },
      tags: distribution.tags ?? true,
      invalidations: [],
      inProgress: { paths: 0, wildcards: 0 },
    }
    byId.set(id, created)
    return created
  }

  function mustFind(id: string): Distribution {
    const distribution = byId.get(id)
    if (!distribution)
      throw apiError('NoSuchDistribution', `The specified distribution does not exist: ${id}`)
    return distribution
  }

  function complete(distribution: Distribution, invalidation: Invalidation): void {
    if (invalidation.status === 'Completed') return
    invalidation.status = 'Completed'
    const load = itemLoad(invalidation.items)
    distribution.inProgress.paths -= load.paths
    distribution.inProgress.wildcards -= load.wildcards
    const event = {
      distributionId: distribution.id,
      invalidationId: invalidation.id,
      items: [...invalidation.items],
    }
    for (const listener of listeners) listener(event)
  }

  function start(distribution: Distribution, callerReference: string, items: string[]) {
    sequence += 1
    const invalidation: Invalidation = {
      id: invalidationId(sequence),
      distributionId: distribution.id,
      callerReference,
      items,
      createTime: new Date(),
      status: 'InProgress',
    }
    distribution.invalidations.unshift(invalidation)
    const load = itemLoad(items)
    distribution.inProgress.paths += load.paths
    distribution.inProgress.wildcards += load.wildcards
    stats.invalidationsCreated += 1
    stats.pathsBilled += items.length
    stats.peakPathsInProgress = Math.max(stats.peakPathsInProgress, distribution.inProgress.paths)
    stats.peakWildcardsInProgress = Math.max(
      stats.peakWildcardsInProgress,
      distribution.inProgress.wildcards,
    )
    const timer = setTimeout(() => {
      timers.delete(timer)
      complete(distribution, invalidation)
    }, options.completeAfterMs)
    timer.unref()
    timers.add(timer)
    return invalidation
  }

  function create(id: string, callerReference: string, items: string[]): Created {
    const distribution = mustFind(id)
    validateBatch(distribution, items)
    // Idempotency comes before the room check: a retried request must get its answer even
    // when the distribution is full (with its own batch, often).
    const existing = distribution.invalidations.find((i) => i.callerReference === callerReference)
    if (existing) {
      if (sameItems(existing.items, items)) return { invalidation: existing, created: false }
      throw apiError(
        'InvalidationBatchAlreadyExists',
        `CallerReference ${callerReference} was already used for another invalidation batch`,
      )
    }
    checkRoom(distribution, items)
    return { invalidation: start(distribution, callerReference, items), created: true }
  }

  function get(id: string, invalidation: string): Invalidation {
    const found = mustFind(id).invalidations.find((i) => i.id === invalidation)
    if (!found)
      throw apiError(
        'NoSuchInvalidation',
        `The specified invalidation does not exist: ${invalidation}`,
      )
    return found
  }

  /** Completes every invalidation in progress now (tests that should not wait). */
  function completeAll(): void {
    for (const distribution of byId.values()) {
      for (const invalidation of [...distribution.invalidations].reverse()) {
        complete(distribution, invalidation)
      }
    }
  }

  function onCompleted(listener: CompletedListener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  function dispose(): void {
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    listeners.clear()
  }

  return {
    stats,
    add,
    create,
    get,
    mustFind,
    completeAll,
    onCompleted,
    dispose,
    all: (): Distribution[] => [...byId.values()],
  }
}

export type Distributions = ReturnType<typeof createDistributions>
