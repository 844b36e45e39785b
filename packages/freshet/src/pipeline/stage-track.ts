import { setTimeout as sleep } from 'node:timers/promises'
import { pollDelayMs } from '../core/cdn-chunks.ts'
import { listInvalidations, markInvalidation } from '../store/invalidations.ts'
import { checkInvalidations } from '../targets/cloudfront-submit.ts'
import type { PipelineContext } from './context.ts'
import { QUEUES, type StageJob } from './queues.ts'
import { advance, batchAt, fail } from './transitions.ts'

// Polls due within this long wait in the job itself (CloudFront quotes < 25 s at P95, tags
// faster); later ones become delayed jobs, so a crash loses at most this much waiting.
const IN_JOB_WAIT_MS = 5_000

/**
 * track: the Step Functions loop, made durable. Polls with a delay that backs off, until
 * Completed or the deadline; past a few seconds each poll is a delayed job of its own.
 */
export async function runTrackStage(ctx: PipelineContext, job: StageJob, signal: AbortSignal) {
  const { batchId } = job
  const started = Date.now()
  for (let poll = job.poll ?? 0; ; poll++) {
    const batch = await batchAt(ctx, batchId, 'tracking')
    if (!batch) return
    const open = await pollOnce(ctx, batchId, signal)
    if (open === 0) return advance(ctx, batchId, 'tracking', 'completed')
    const deadlineMinutes = Math.max(...ctx.cdn.map((d) => d.deadlineMinutes))
    const since = new Date(batch.cdn_started_at ?? batch.created_at).getTime()
    if (ctx.now().getTime() - since > deadlineMinutes * 60_000) {
      const reason = `[freshet] [cloudfront] ${open} invalidation(s) not Completed after ${deadlineMinutes} minutes`
      return fail(ctx, batchId, 'tracking', reason)
    }
    const first = ctx.cdn[0]
    const delay = pollDelayMs(poll, {
      initialMs: first?.pollInitialMs ?? 1000,
      maxMs: first?.pollMaxMs ?? 10_000,
    })
    if (Date.now() - started + delay > IN_JOB_WAIT_MS) {
      await ctx.boss.send(
        QUEUES.track,
        { batchId, poll: poll + 1 },
        {
          startAfter: new Date(Date.now() + delay),
          singletonKey: `${batchId}:poll:${poll + 1}`,
        },
      )
      return
    }
    await sleep(delay, undefined, { signal })
  }
}

/** One round of GetInvalidation for what is still in progress; answers how many remain. */
async function pollOnce(
  ctx: PipelineContext,
  batchId: string,
  signal: AbortSignal,
): Promise<number> {
  const pending = (await listInvalidations(ctx.db, batchId)).filter(
    (row) => row.status !== 'Completed',
  )
  let open = 0
  for (const { target } of ctx.cdn) {
    const mine = pending.filter(
      (row) => row.distribution_id === target.distributionId && row.invalidation_id,
    )
    const states = await checkInvalidations(
      target,
      mine.map((row) => row.invalidation_id ?? ''),
      signal,
    )
    for (const state of states) {
      await markInvalidation(
        ctx.db,
        batchId,
        target.distributionId,
        state.id,
        state.status,
        ctx.now(),
      )
      if (state.status !== 'Completed') open++
      else
        ctx.lifecycle.emit('cdn:completed', {
          batchId,
          distributionId: target.distributionId,
          invalidationId: state.id,
        })
    }
  }
  return open
}
