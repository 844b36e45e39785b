import { PgBoss } from 'pg-boss'
import { STAGE_JOB, type StageAttempts } from '../core/retry-policy.ts'
import { activeTraceId, annotateJob, detached, inTraceparent } from '../observability/spans.ts'
import { tracingOn } from '../observability/tracing.ts'
import { getBatchState, notePickedUp, reopenBatch } from '../store/batches.ts'
import type { Db } from '../store/db.ts'
import type { Accepted, NewEvent } from '../store/events.ts'
import { batchTraceContext } from '../store/trace-context.ts'
import { startCatchUp } from './catch-up.ts'
import { type Collector, startCollector } from './collector.ts'
import type { PipelineContext } from './context.ts'
import { createIntakeWriter, type IntakeWriter } from './intake.ts'
import { DEAD_LETTER, STAGES, type Stage, type StageJob, stageNamed } from './stages.ts'
import { fail, recordStageError } from './transitions.ts'

export interface Pipeline {
  /** Persists an event; resolves only once it is durable. */
  accept(event: NewEvent): Promise<Accepted>
  /** Another thread accepted an event: look for waiting events soon. */
  nudge(): void
  /** Puts a failed batch back at the stage that failed. */
  retry(batchId: string): Promise<string | undefined>
  stop(graceMs?: number): Promise<void>
}

export function createBoss(db: Db, store: { url?: string | undefined; schema: string }) {
  const common = {
    schema: `${store.schema}_jobs`,
    // Every job is sent where a worker of its queue runs (collector, stages, retries and the
    // sweep live together), and `ctx.wake` hands it over at once. NOTIFY only woke every worker
    // of the queue, in every replica, each fetching (statements counted under bench/overhead.ts,
    // as bench/lib/count-statements.ts does: 5 fetches per hand-off; on PostgreSQL, without it,
    // 23 % fewer statements and 3–5 ms less overhead p50 in three paired runs). Another replica
    // finds a job by polling, should this one be busy.
    useListenNotify: false,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    // pg-boss's own spans (send, process, complete): with tracing on, each job stores the trace
    // context it was sent in, so the next stage continues the event's trace after a restart.
    openTelemetry: { enabled: tracingOn(), propagateContext: tracingOn() },
  }
  return db.kind === 'pglite'
    ? new PgBoss({ ...common, db: db.boss, backend: 'pglite' })
    : new PgBoss({ ...common, connectionString: store.url, max: 4 })
}

// A delayed job (a retry's backoff, a later tracking poll, a dead letter) and a job another
// replica sent are found by polling, so poll often enough for those.
const POLLING = { pollingIntervalSeconds: 1 }

/** Each stage's queue: retries with backoff, then the dead-letter queue fails the batch. */
export async function createQueues(boss: PgBoss, attempts: StageAttempts) {
  await boss.createQueue(DEAD_LETTER.queue, DEAD_LETTER.retry)
  for (const stage of STAGES) {
    await boss.createQueue(stage.queue, {
      ...stage.retry(attempts),
      ...STAGE_JOB,
      deadLetter: DEAD_LETTER.queue,
    })
  }
}

/** Starts the workers of every stage and the collector. `ctx.wake` is wired here. */
export async function startPipeline(
  base: Omit<PipelineContext, 'wake'>,
  stageAttempts: StageAttempts,
  onCollectorLook?: () => void,
): Promise<Pipeline> {
  const workers = new Map<string, string[]>()
  const ctx: PipelineContext = {
    ...base,
    // Outside any trace: the worker's next fetch must not join the span that woke it.
    wake: detached((queue) => {
      for (const id of workers.get(queue) ?? []) base.boss.notifyWorker(id)
    }),
  }
  await createQueues(ctx.boss, stageAttempts)
  for (const stage of STAGES) {
    const id = await ctx.boss.work<StageJob>(
      stage.queue,
      { ...POLLING, localConcurrency: stage.concurrency },
      async ([job]) => {
        if (job) await runStage(ctx, stage, job.data, job.signal)
      },
    )
    workers.set(stage.queue, [id])
  }
  workers.set(DEAD_LETTER.queue, [
    await ctx.boss.work<StageJob>(DEAD_LETTER.queue, POLLING, async ([job]) => {
      if (job) await failExhausted(ctx, job.data.batchId)
    }),
  ])
  const catchUp = await startCatchUp(ctx)
  const collector: Collector = startCollector(ctx, onCollectorLook)
  const intake: IntakeWriter = createIntakeWriter(ctx.db, () => collector.poke(), {
    onSplit: (split) => ctx.lifecycle.emit('intake:split', split),
  })
  return {
    accept: (event) => intake.write(event),
    nudge: () => collector.poke(),
    retry: (batchId) => retryBatch(ctx, batchId),
    async stop(graceMs = 10_000) {
      await intake.drain()
      await catchUp?.stop()
      await collector.stop()
      await ctx.boss.stop({ graceful: true, timeout: graceMs, close: ctx.db.kind !== 'pglite' })
    },
  }
}

async function runStage(ctx: PipelineContext, stage: Stage, job: StageJob, signal: AbortSignal) {
  const started = performance.now()
  annotateJob(job.batchId, stage.name)
  ctx.lifecycle.emit('stage:started', { batchId: job.batchId, stage: stage.name })
  try {
    await notePickedUp(ctx.db, job.batchId, stage.name, ctx.now())
    await stage.run(ctx, job, signal)
    ctx.lifecycle.emit('stage:ended', {
      batchId: job.batchId,
      stage: stage.name,
      ms: performance.now() - started,
      traceId: activeTraceId(),
    })
  } catch (error) {
    await recordStageError(ctx, job.batchId, stage.name, error)
    throw error
  }
}

/** A stage's job exhausted its retries (or expired with its worker): the batch fails, with why. */
async function failExhausted(ctx: PipelineContext, batchId: string) {
  const batch = await getBatchState(ctx.db, batchId)
  if (!batch || batch.status === 'completed' || batch.status === 'failed') return
  const reason = batch.error ?? 'retries exhausted'
  await fail(ctx, batchId, batch.status, `${reason} (after all retries)`)
}

async function retryBatch(ctx: PipelineContext, batchId: string) {
  const stage = await ctx.db.transaction(async (tx) => {
    const reopened = await reopenBatch(tx, batchId)
    const queue = reopened ? queueOf(reopened) : undefined
    // In the batch's trace, not the admin request's.
    const traceparent = queue && tracingOn() ? await batchTraceContext(tx, batchId) : undefined
    if (queue)
      await inTraceparent(traceparent, () =>
        ctx.boss.send(queue, { batchId, poll: 0 }, { db: tx.boss }),
      )
    return reopened
  })
  const queue = stage ? queueOf(stage) : undefined
  if (queue) ctx.wake(queue)
  return stage
}

function queueOf(stage: string): string | undefined {
  return stageNamed(stage)?.queue
}
