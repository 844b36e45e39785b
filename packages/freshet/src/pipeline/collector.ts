import { randomUUID } from 'node:crypto'
import { coalesceDecision } from '../core/coalesce.ts'
import { detached, inBatchSpan } from '../observability/spans.ts'
import { tracingOn } from '../observability/tracing.ts'
import { claimIntoBatch, nextDue, waitingSummary } from '../store/batches.ts'
import type { Db } from '../store/db.ts'
import { eventTraceContexts, setBatchTraceContext } from '../store/trace-context.ts'
import type { PipelineContext } from './context.ts'
import { STAGES } from './stages.ts'

const RECOVERY_INTERVAL_MS = 1_000

export interface Collector {
  /** Something was accepted: look soon. */
  poke(): void
  stop(): Promise<void>
}

/**
 * Turns waiting events into batches. The events table is the durable queue: whatever was
 * accepted and not yet batched (after a crash, say) is found by the next look, which happens
 * on every accepted event, at the end of a coalescing window, and once a second regardless.
 * `onLook` is called as each look starts, before its first query (the pipeline thread opens
 * its nudge gate there).
 */
export function startCollector(ctx: PipelineContext, onLook: () => void = () => {}): Collector {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = false
  // While a coalescing window is open, a new event only extends it: the timer's look sees it,
  // so pokes need no query (under load, one per accepted insert would scan the waiting events).
  let windowOpen = false

  const schedule = (ms: number) => {
    if (stopped) return
    if (timer) clearTimeout(timer)
    // Never longer than the recovery look (a due date weeks ahead would overflow the timer).
    timer = setTimeout(look, Math.min(Math.max(0, ms), RECOVERY_INTERVAL_MS))
  }

  function look() {
    windowOpen = false
    if (running) {
      again = true
      return
    }
    onLook()
    running = collect(ctx)
      .then((wait) => {
        windowOpen = typeof wait === 'object'
        schedule(typeof wait === 'object' ? wait.windowMs : (wait ?? RECOVERY_INTERVAL_MS))
      })
      .catch((error) => {
        ctx.lifecycle.emit('pipeline:error', { where: 'collector', error })
        schedule(RECOVERY_INTERVAL_MS)
      })
      .finally(() => {
        running = undefined
        if (again && !stopped) {
          again = false
          look()
        }
      })
  }

  schedule(0)
  return {
    // A poke comes from a webhook's commit: its looks must not join that request's trace.
    poke: detached(() => {
      if (!stopped && !windowOpen) look()
    }),
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
    },
  }
}

/** One look: batch what is due, or say how long to wait (for a due date, or a window). */
async function collect(ctx: PipelineContext): Promise<number | { windowMs: number } | undefined> {
  // With no window, whatever is due is batched at once: claiming first spares the summary.
  const windowless = ctx.coalesce.windowMs <= 0
  for (;;) {
    const now = ctx.now()
    if (!windowless) {
      const waiting = await waitingSummary(ctx.db, now)
      if (!waiting.oldest || !waiting.newest) return untilDue(waiting.nextDue, now)
      const decision = coalesceDecision({
        oldestReceivedAt: new Date(waiting.oldest).getTime(),
        newestReceivedAt: new Date(waiting.newest).getTime(),
        now: now.getTime(),
        windowMs: ctx.coalesce.windowMs,
        maxWaitMs: ctx.coalesce.maxWaitMs,
      })
      if ('waitMs' in decision) return { windowMs: decision.waitMs }
    }
    const batchId = randomUUID()
    const [first] = STAGES
    const claimed = await ctx.db.transaction(async (tx) => {
      const ids = await claimIntoBatch(tx, batchId, now, ctx.coalesce.maxBatchEvents, first.name)
      if (ids.length > 0) await sendFirstStage(ctx, tx, batchId, first.queue)
      return ids
    })
    // Nothing due (or another replica took it first): wait for the next due date, if any.
    if (claimed.length === 0)
      return windowless ? untilDue(await nextDue(ctx.db, now), now) : undefined
    ctx.lifecycle.emit('batch:created', { batchId, events: claimed.length })
    ctx.wake(first.queue)
    // Fewer than a full batch: all that was due is taken (an event accepted meanwhile pokes
    // again), so only the next due date is left to find.
    if (windowless && claimed.length < ctx.coalesce.maxBatchEvents)
      return untilDue(await nextDue(ctx.db, now), now)
  }
}

/** With tracing on, in the batch's span, whose context is stored with the batch and the job. */
async function sendFirstStage(ctx: PipelineContext, tx: Db, batchId: string, queue: string) {
  const send = () => ctx.boss.send(queue, { batchId }, { db: tx.boss })
  if (!tracingOn()) return send()
  const contexts = await eventTraceContexts(tx, batchId, 128)
  return inBatchSpan(batchId, queue, contexts, async (traceparent) => {
    if (traceparent) await setBatchTraceContext(tx, batchId, traceparent)
    return send()
  })
}

function untilDue(due: Date | null, now: Date): number | undefined {
  return due ? due.getTime() - now.getTime() : undefined
}
