import { cdnItems } from '../core/cdn-items.ts'
import { noteStage } from '../store/batches.ts'
import { recordInvalidation } from '../store/invalidations.ts'
import { submitInvalidations } from '../targets/cloudfront-submit.ts'
import { CdnError } from '../targets/types.ts'
import type { CdnDistribution, PipelineContext } from './context.ts'
import { advance, fail, plannedBatchAt } from './transitions.ts'

/**
 * cdn: only after every pod confirmed. Each distribution gets the plan as chunks under its
 * limits; the CallerReference is derived from batch, distribution and chunk, so running this
 * again after a crash returns the invalidations already created instead of new ones.
 */
export async function runCdnStage(ctx: PipelineContext, batchId: string, signal: AbortSignal) {
  const batch = await plannedBatchAt(ctx, batchId, 'cdn')
  if (!batch) return
  const plan = {
    paths: (batch.plan?.paths ?? []).map((p) => p.value),
    tags: (batch.plan?.tags ?? []).map((t) => t.value),
  }
  const notSent: NotSent[] = []
  try {
    for (const distribution of ctx.cdn)
      notSent.push(...(await submit(ctx, batchId, distribution, plan, signal)))
  } catch (error) {
    if (error instanceof CdnError && !error.retryable)
      return fail(ctx, batchId, 'cdn', error.message)
    throw error
  }
  await advance(ctx, batchId, 'cdn', 'tracking', {
    job: { batchId, poll: 0 },
    ...(notSent.length > 0 ? { write: (tx) => noteStage(tx, batchId, 'cdn', { notSent }) } : {}),
  })
}

interface NotSent {
  target: string
  value: string
  reason: string
}

async function submit(
  ctx: PipelineContext,
  batchId: string,
  distribution: CdnDistribution,
  plan: { paths: string[]; tags: string[] },
  signal: AbortSignal,
) {
  const { target } = distribution
  const { items, notes } = cdnItems(plan, {
    tags: distribution.tags,
    rscVariants: distribution.rscVariants,
    ...(distribution.collapse ? { collapse: distribution.collapse } : {}),
  })
  // Tags a target without cache tags never gets: the page marks them in the plan.
  const notSent = notes
    .filter((n) => n.reason === 'tags-unsupported')
    .map((n) => ({
      target: target.distributionId,
      value: n.value,
      reason: 'no cache tags configured',
    }))
  if (items.length === 0) return notSent
  await submitInvalidations({
    target,
    batchId,
    items,
    limits: {
      maxPaths: distribution.maxPathsInProgress,
      maxWildcards: distribution.maxWildcardsInProgress,
    },
    signal,
    onCreated: async (record) => {
      const { known } = await recordInvalidation(ctx.db, batchId, {
        distributionId: target.distributionId,
        chunk: record.chunk,
        callerReference: record.callerReference,
        invalidationId: record.invalidationId,
        status: record.status,
        items: record.paths.length,
      })
      ctx.lifecycle.emit('cdn:created', {
        batchId,
        distributionId: target.distributionId,
        invalidationId: record.invalidationId,
        items: record.paths.length,
      })
      if (!known)
        ctx.lifecycle.emit('cdn:billed', {
          batchId,
          distributionId: target.distributionId,
          paths: record.paths.length,
        })
    },
  })
  return notSent
}
