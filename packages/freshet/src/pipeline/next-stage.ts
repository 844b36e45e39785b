import type { BatchStatus } from '../core/domain.ts'
import type { Db } from '../store/db.ts'
import type { PipelineContext } from './context.ts'
import { stagesAfter } from './stages.ts'
import { advance } from './transitions.ts'

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
  for (const stage of stagesAfter(from)) {
    const reason = options.skipAll ?? stage.skippedWhen(ctx)
    if (!reason) return advance(ctx, batchId, from, stage.name, { skipped, ...write })
    skipped[stage.name] = reason
  }
  await advance(ctx, batchId, from, 'completed', { skipped, ...write })
}
