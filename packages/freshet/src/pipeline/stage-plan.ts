import type { ContentChange } from '../core/domain.ts'
import { changesAt, savePlan } from '../store/batches.ts'
import type { PipelineContext } from './context.ts'
import { advanceToNextStage } from './next-stage.ts'
import { awaitPublished } from './read-after-publish.ts'

/** planning: from the batch's changes to the paths and tags to purge, with reasons. */
export async function runPlanStage(ctx: PipelineContext, batchId: string, signal: AbortSignal) {
  const changes = await changesAt(ctx.db, batchId, 'planning')
  if (!changes) return
  // Read-after-publish first: the planner's reads and the pods' must see what was published.
  const waited = await awaitPublished(ctx, batchId, changes as ContentChange[], signal)
  const planned = await ctx.planner.plan(changes as ContentChange[], signal)
  const plan = waited ? { ...planned, notes: [waited, ...planned.notes] } : planned
  ctx.lifecycle.emit('batch:planned', { batchId, paths: plan.paths.length, tags: plan.tags.length })
  const empty = plan.paths.length + plan.tags.length === 0
  await advanceToNextStage(ctx, batchId, 'planning', {
    ...(empty ? { skipAll: 'the plan is empty: nothing to invalidate' } : {}),
    // The plan is saved with the hand-over: one commit, not two.
    write: (tx) => savePlan(tx, batchId, plan),
  })
}
