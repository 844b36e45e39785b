/**
 * The cdn stage's widening step (see core/widen.ts): reads what is ahead of the batch on the
 * distribution, decides, and keeps the decision before anything is sent, so a retried stage
 * sends the same items under the same CallerReferences.
 */
import { loadOf } from '../core/cdn-chunks.ts'
import { completionEstimate, estimateSeconds, loadAhead, widen } from '../core/widen.ts'
import type { BatchRow } from '../store/batches.ts'
import { listInvalidations } from '../store/invalidations.ts'
import { recordWidening, waitingAhead } from '../store/widening.ts'
import { currentLoad } from '../targets/submit.ts'
import type { CdnDistribution, PipelineContext } from './context.ts'

const TARGET_NAMES: Record<string, string> = { cloudfront: 'CloudFront' }

/** The items to send on `distribution`: as planned, or widened to fit `maxDelaySeconds`. */
export async function itemsToSend(
  ctx: PipelineContext,
  batch: BatchRow,
  distribution: CdnDistribution,
  items: string[],
  signal: AbortSignal,
): Promise<string[]> {
  const { target, widening } = distribution
  if (!widening || items.length === 0) return items
  const kept = batch.stages.cdn?.widen?.[target.distributionId]
  if (kept) return kept.items ?? items
  // Sent before the decision was kept (a version without widening, say): keep sending that.
  const sent = await listInvalidations(ctx.db, batch.id)
  if (sent.some((row) => row.distribution_id === target.distributionId)) return items
  const waiting = await waitingAhead(ctx.db, batch.id, target.distributionId)
  const { limits } = target
  const completionSeconds = completionEstimate(widening.completions)
  const elapsedSeconds = Math.max(0, (ctx.now().getTime() - batch.created_at.getTime()) / 1000)
  // Fits even beside a full distribution: no need to ask what is in progress (a small
  // publish stays at one CreateInvalidation and one GetInvalidation).
  const full = { paths: limits.maxPaths, wildcards: limits.maxWildcards }
  const worst = estimateSeconds(
    loadAhead(full, waiting, limits),
    loadOf(items),
    limits,
    completionSeconds,
  )
  const inProgress =
    worst + elapsedSeconds <= widening.maxDelaySeconds ? full : await currentLoad(target, signal)
  const result = widen({
    items,
    limits,
    ahead: loadAhead(inProgress, waiting, limits),
    completionSeconds,
    maxDelaySeconds: widening.maxDelaySeconds,
    elapsedSeconds,
    allowSiteWide: widening.allowSiteWide,
    targetName: `${TARGET_NAMES[target.name] ?? target.name} ${target.distributionId}`,
  })
  await recordWidening(ctx.db, batch.id, target.distributionId, {
    ...(result.widened ? { items: result.items } : {}),
    notes: result.notes,
  })
  if (result.widened)
    ctx.lifecycle.emit('cdn:widened', {
      batchId: batch.id,
      distributionId: target.distributionId,
      paths: items.length,
      items: result.items.length,
    })
  return result.items
}

/** Completion times kept per distribution: enough for a median that follows the day. */
const SAMPLES = 20

/** Records how long an invalidation took to complete, for the next decisions. */
export function observeCompletion(distribution: CdnDistribution, seconds: number) {
  const samples = distribution.widening?.completions
  if (!samples || !(seconds >= 0)) return
  samples.push(seconds)
  if (samples.length > SAMPLES) samples.splice(0, samples.length - SAMPLES)
}
