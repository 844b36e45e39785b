import { setTimeout as sleep } from 'node:timers/promises'
import { pollDelayMs } from '../core/cdn-chunks.ts'
import type { Db } from '../store/db.ts'
import {
  type InvalidationRow,
  listInvalidations,
  markInvalidation,
} from '../store/invalidations.ts'
import { checkInvalidations } from '../targets/submit.ts'
import { observeCompletion } from './cdn-widen.ts'
import type { CdnDistribution, PipelineContext } from './context.ts'
import { type StageJob, stage } from './stages.ts'
import { advance, batchAt, fail } from './transitions.ts'

// Polls due within this long wait in the job itself (CloudFront quotes < 25 s at P95, tags
// faster); later ones become delayed jobs, so a crash loses at most this much waiting.
const IN_JOB_WAIT_MS = 5_000

/**
 * tracking: the Step Functions loop, made durable. Polls with a delay that backs off, until
 * Completed or the deadline; past a few seconds each poll is a delayed job of its own.
 */
export async function runTrackStage(
  ctx: PipelineContext,
  job: StageJob,
  signal: AbortSignal,
): Promise<void> {
  const { batchId } = job
  const started = Date.now()
  for (let poll = job.poll ?? 0; ; poll++) {
    const batch = await batchAt(ctx, batchId, 'tracking')
    if (!batch) return
    const states = await pollOnce(ctx, batchId, signal)
    const open = states.filter((state) => state.status !== 'Completed').length
    announceCompleted(ctx, batchId, states)
    if (open === 0) {
      // The last states are written with the completion: one commit, not one per invalidation.
      return advance(ctx, batchId, 'tracking', stage('tracking').next, {
        write: (tx) => markAll(tx, ctx.now(), batchId, states),
      })
    }
    await markAll(ctx.db, ctx.now(), batchId, states)
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
        stage('tracking').queue,
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

interface PolledState {
  distributionId: string
  id: string
  status: string
}

/** One round of GetInvalidation for what is still in progress. */
async function pollOnce(
  ctx: PipelineContext,
  batchId: string,
  signal: AbortSignal,
): Promise<PolledState[]> {
  const pending = (await listInvalidations(ctx.db, batchId)).filter(
    (row) => row.status !== 'Completed',
  )
  const polled: PolledState[] = []
  for (const distribution of ctx.cdn) {
    const { target } = distribution
    const mine = pending.filter(
      (row) => row.distribution_id === target.distributionId && row.invalidation_id,
    )
    const states = await checkInvalidations(
      target,
      mine.map((row) => row.invalidation_id ?? ''),
      signal,
    )
    for (const state of states) polled.push({ distributionId: target.distributionId, ...state })
    if (distribution.widening) observeCompleted(distribution, mine, states, ctx.now())
  }
  return polled
}

/** How long each invalidation now Completed took since it was created: for widening. */
function observeCompleted(
  distribution: CdnDistribution,
  rows: InvalidationRow[],
  states: { id: string; status: string }[],
  now: Date,
) {
  for (const state of states) {
    const row = rows.find((r) => r.invalidation_id === state.id)
    if (state.status === 'Completed' && row)
      observeCompletion(distribution, (now.getTime() - new Date(row.created_at).getTime()) / 1000)
  }
}

async function markAll(db: Db, now: Date, batchId: string, states: PolledState[]) {
  for (const state of states)
    await markInvalidation(db, batchId, state.distributionId, state.id, state.status, now)
}

function announceCompleted(ctx: PipelineContext, batchId: string, states: PolledState[]) {
  for (const state of states)
    if (state.status === 'Completed')
      ctx.lifecycle.emit('cdn:completed', {
        batchId,
        distributionId: state.distributionId,
        invalidationId: state.id,
      })
}
