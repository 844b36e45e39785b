import type { ContentChange } from '../core/domain.ts'
import { batchChanges, savePlan } from '../store/batches.ts'
import type { PipelineContext } from './context.ts'
import { advanceToNextStage } from './next-stage.ts'
import { batchAt } from './transitions.ts'

/** plan: from the batch's changes to the paths and tags to purge, with reasons. */
export async function runPlanStage(ctx: PipelineContext, batchId: string, signal: AbortSignal) {
  const batch = await batchAt(ctx, batchId, 'planning')
  if (!batch) return
  const rows = await batchChanges(ctx.db, batchId)
  const changes = rows.flatMap((row) => row.changes as ContentChange[])
  const plan = await ctx.planner.plan(changes, signal)
  await savePlan(ctx.db, batchId, plan)
  ctx.lifecycle.emit('batch:planned', { batchId, paths: plan.paths.length, tags: plan.tags.length })
  const empty = plan.paths.length + plan.tags.length === 0
  await advanceToNextStage(
    ctx,
    batchId,
    'planning',
    empty ? 'the plan is empty: nothing to invalidate' : undefined,
  )
}
