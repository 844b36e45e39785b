import type { BatchStatus } from '../core/domain.ts'
import { activeTraceId } from '../observability/spans.ts'
import { advanceBatch, failBatch, getBatch, getBatchState } from '../store/batches.ts'
import type { Db } from '../store/db.ts'
import { eventsOfBatch } from '../store/events.ts'
import type { PipelineContext } from './context.ts'
import { type StageJob, stageNamed } from './stages.ts'

/**
 * Ends a stage and hands the batch to the next one in one transaction: the job for the next
 * stage exists exactly when the batch says it is there. `write` adds the stage's last result to
 * that transaction (on PostgreSQL each statement on its own is a round trip and a commit).
 */
export async function advance(
  ctx: PipelineContext,
  batchId: string,
  from: BatchStatus,
  to: BatchStatus,
  options: {
    skipped?: Partial<Record<BatchStatus, string>>
    job?: StageJob
    startAfterSeconds?: number
    write?: (tx: Db) => Promise<void>
  } = {},
) {
  // The stage's job exists exactly when its batch is there; completed and failed have none.
  const queue = stageNamed(to)?.queue
  const advanced = await ctx.db.transaction(async (tx) => {
    await options.write?.(tx)
    const row = await advanceBatch(tx, batchId, from, to, ctx.now(), options.skipped)
    if (queue) {
      await ctx.boss.send(queue, options.job ?? { batchId }, {
        db: tx.boss,
        singletonKey: `${batchId}:${to}`,
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      })
    }
    return row
  })
  for (const [stage, reason] of Object.entries(options.skipped ?? {})) {
    ctx.lifecycle.emit('stage:skipped', { batchId, stage, reason })
  }
  if (queue) ctx.wake(queue)
  if (to === 'completed') await announceFinished(ctx, batchId, 'completed', advanced?.created_at)
}

export async function fail(ctx: PipelineContext, batchId: string, stage: string, error: string) {
  const failed = await failBatch(ctx.db, batchId, stage, error, ctx.now())
  // A batch that had already ended (a redelivered dead letter) is not announced again.
  if (!failed) return
  ctx.lifecycle.emit('batch:failed', { batchId, stage, error, first: failed.first })
  await announceFinished(ctx, batchId, 'failed')
}

async function announceFinished(
  ctx: PipelineContext,
  batchId: string,
  status: 'completed' | 'failed',
  createdAt?: Date,
) {
  const events = await eventsOfBatch(ctx.db, batchId)
  const now = ctx.now().getTime()
  if (status === 'completed') {
    const ms = createdAt ? now - createdAt.getTime() : 0
    ctx.lifecycle.emit('batch:completed', { batchId, events: events.length, ms })
  }
  const sources: Record<string, number> = {}
  const ms: Record<string, number[]> = {}
  for (const event of events) {
    sources[event.source] = (sources[event.source] ?? 0) + 1
    const times = ms[event.source] ?? []
    times.push(now - new Date(event.received_at).getTime())
    ms[event.source] = times
  }
  ctx.lifecycle.emit('events:finished', {
    batchId,
    status,
    ids: events.map((e) => e.id),
    sources,
    ms,
    traceId: activeTraceId(),
  })
}

/** A stage runs only while its batch is there: a redelivered job after a crash is a no-op. */
export async function batchAt(ctx: PipelineContext, batchId: string, stage: BatchStatus) {
  const batch = await getBatchState(ctx.db, batchId)
  return batch?.status === stage ? batch : undefined
}

/** `batchAt`, with the plan, for the stages that carry it out. */
export async function plannedBatchAt(ctx: PipelineContext, batchId: string, stage: BatchStatus) {
  const batch = await getBatch(ctx.db, batchId)
  return batch?.status === stage ? batch : undefined
}

export async function recordStageError(
  ctx: PipelineContext,
  batchId: string,
  stage: string,
  error: unknown,
) {
  const message = error instanceof Error ? error.message : String(error)
  await ctx.db
    .query('UPDATE batches SET error = $2 WHERE id = $1', [batchId, message])
    .catch(() => {})
  ctx.lifecycle.emit('stage:retrying', { batchId, stage, error: message })
}
