import type { BatchStatus } from '../core/domain.ts'
import type { Db } from '../store/db.ts'
import type { PipelineContext } from './context.ts'
import { advance } from './transitions.ts'

const ORDER: BatchStatus[] = ['planning', 'pods', 'cdn', 'tracking', 'completed']

function unconfigured(ctx: PipelineContext, stage: BatchStatus): string | undefined {
  if (stage === 'pods' && !ctx.pods) return 'no pods configured (pods.discovery)'
  if ((stage === 'cdn' || stage === 'tracking') && ctx.cdn.length === 0)
    return 'no CDN configured (cdn.cloudfront)'
  return undefined
}

/**
 * Hands the batch to the next configured stage, in one transaction (with `write`, if given).
 * Unconfigured stages (or all of them, when `skipAll` says why) are recorded as skipped, so the
 * event shows what did not happen.
 */
export async function advanceToNextStage(
  ctx: PipelineContext,
  batchId: string,
  from: BatchStatus,
  options: { skipAll?: string; write?: (tx: Db) => Promise<void> } = {},
) {
  const skipped: Partial<Record<BatchStatus, string>> = {}
  const write = options.write ? { write: options.write } : {}
  for (const stage of ORDER.slice(ORDER.indexOf(from) + 1)) {
    if (stage === 'completed') break
    const reason = options.skipAll ?? unconfigured(ctx, stage)
    if (!reason) return advance(ctx, batchId, from, stage, { skipped, ...write })
    skipped[stage] = reason
  }
  await advance(ctx, batchId, from, 'completed', { skipped, ...write })
}
