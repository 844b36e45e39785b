import { type CdnItemOptions, cdnItems } from '../core/cdn-items.ts'
import { type BatchRow, noteStage } from '../store/batches.ts'
import { markInvalidation, recordInvalidation } from '../store/invalidations.ts'
import { submitInvalidations } from '../targets/submit.ts'
import { CdnError } from '../targets/types.ts'
import { inLayers, untilCompleted } from './cdn-layers.ts'
import { itemsToSend } from './cdn-widen.ts'
import type { CdnDistribution, PipelineContext } from './context.ts'
import { stage } from './stages.ts'
import { advance, fail, plannedBatchAt } from './transitions.ts'

/**
 * cdn: only after every pod confirmed, layer by layer from the pods out (`inLayers`). Each distribution gets the plan as chunks under its
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
    await inLayers(
      ctx.cdn,
      async (distribution) => {
        const submitted = await submit(ctx, batch, distribution, plan, signal)
        notSent.push(...submitted.notSent)
        return submitted.open
      },
      (distribution, ids) => confirm(ctx, batchId, distribution, ids, signal),
    )
  } catch (error) {
    if (error instanceof CdnError && !error.retryable)
      return fail(ctx, batchId, 'cdn', error.message)
    throw error
  }
  await advance(ctx, batchId, 'cdn', stage('cdn').next, {
    job: { batchId, poll: 0 },
    ...(notSent.length > 0 ? { write: (tx) => noteStage(tx, batchId, 'cdn', { notSent }) } : {}),
  })
}

/** How a distribution's plan becomes its items: the same for every kind of layer. */
export function cdnItemOptions(distribution: CdnDistribution): CdnItemOptions {
  return {
    tags: distribution.tags,
    edgeTags: distribution.edgeTags ?? false,
    ...(distribution.target.edgeTag
      ? { layerTag: distribution.target.edgeTag.bind(distribution.target) }
      : {}),
    rscVariants: distribution.rscVariants,
    ...(distribution.collapse ? { collapse: distribution.collapse } : {}),
  }
}

interface NotSent {
  target: string
  value: string
  reason: string
}

async function submit(
  ctx: PipelineContext,
  batch: BatchRow,
  distribution: CdnDistribution,
  plan: { paths: string[]; tags: string[] },
  signal: AbortSignal,
) {
  const { target } = distribution
  const batchId = batch.id
  const { items: planned, notes } = cdnItems(plan, cdnItemOptions(distribution))
  // Tags a target without cache tags never gets: the page marks them in the plan.
  const notSent = notes
    .filter((n) => n.reason === 'tags-unsupported')
    .map((n) => ({
      target: target.distributionId,
      value: n.value,
      reason: 'no cache tags configured',
    }))
  const open: string[] = []
  if (planned.length === 0) return { open, notSent }
  const items = await itemsToSend(ctx, batch, distribution, planned, signal)
  await submitInvalidations({
    target,
    batchId,
    items,
    limits: {
      maxPaths: distribution.maxPathsInProgress,
      maxWildcards: distribution.maxWildcardsInProgress,
    },
    signal,
    onRetry: (r) =>
      ctx.lifecycle.emit('cdn:retrying', { batchId, distributionId: target.distributionId, ...r }),
    onCreated: async (record) => {
      const { known } = await recordInvalidation(ctx.db, batchId, {
        distributionId: target.distributionId,
        chunk: record.chunk,
        callerReference: record.callerReference,
        invalidationId: record.invalidationId,
        status: record.status,
        items: record.paths.length,
        log: record.log,
      })
      ctx.lifecycle.emit('cdn:created', {
        batchId,
        distributionId: target.distributionId,
        chunk: record.chunk,
        invalidationId: record.invalidationId,
        items: record.paths.length,
      })
      if (record.status !== 'Completed') open.push(record.invalidationId)
      if (!known)
        ctx.lifecycle.emit('cdn:billed', {
          batchId,
          distributionId: target.distributionId,
          paths: record.paths.length,
        })
    },
  })
  return { open, notSent }
}

/** Waits until an inner layer's invalidations are Completed, marking them as they complete. */
async function confirm(
  ctx: PipelineContext,
  batchId: string,
  distribution: CdnDistribution,
  ids: string[],
  signal: AbortSignal,
) {
  const { target } = distribution
  const schedule = { initialMs: distribution.pollInitialMs, maxMs: distribution.pollMaxMs }
  await untilCompleted(target, ids, schedule, signal, async (state) => {
    await markInvalidation(
      ctx.db,
      batchId,
      target.distributionId,
      state.id,
      state.status,
      ctx.now(),
    )
    ctx.lifecycle.emit('cdn:completed', {
      batchId,
      distributionId: target.distributionId,
      invalidationId: state.id,
    })
  })
}
