/**
 * Read-after-publish, at the start of the plan stage: before anything reads the CMS (the
 * planner's fields and parents, then the pods), wait until the CMS's delivery CDN serves what
 * the batch's webhooks published, polling with the pipeline's one backoff (`pollDelayMs`), up
 * to a bound. A timeout proceeds, with a plan note, rather than holding the batch for ever.
 *
 * Durable and re-entrant: the wait's start is kept on the batch (`stages.planning`), so a plan
 * job retried after a crash or a shutdown waits only what is left of the bound, and one whose
 * wait had ended does not wait again. Done here rather than as a stage of its own: the planner's
 * own reads need it too, and it adds no queue, status or hand-over to the pipeline.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { type PollSchedule, pollDelayMs } from '../core/cdn-chunks.ts'
import type { ContentChange, ItemChange, PlanNote } from '../core/domain.ts'
import { getBatchState, noteStage, type ReadAfterPublishRecord } from '../store/batches.ts'
import type { PipelineContext } from './context.ts'

export interface ReadAfterPublish {
  /** Who is waited for, as the page says it: `the Contentful Delivery API`. */
  cms: string
  /** Longest wait, counted from its first check. */
  timeoutMs: number
  poll: PollSchedule
  /** How many of these changes have something to wait for, and which are not served yet. */
  check(
    changes: ItemChange[],
    signal: AbortSignal,
  ): Promise<{ expected: number; pending: string[] }>
}

/** Waits as long as needed and allowed; answers the note the plan shows (none: nothing waited). */
export async function awaitPublished(
  ctx: PipelineContext,
  batchId: string,
  changes: ContentChange[],
  signal: AbortSignal,
): Promise<PlanNote | undefined> {
  const rap = ctx.readAfterPublish
  if (!rap || rap.timeoutMs <= 0) return undefined
  const items = changes.filter((c): c is ItemChange => c.kind === 'item')
  const before = (await getBatchState(ctx.db, batchId))?.stages.planning?.readAfterPublish
  if (before?.endedAt) return noteOf(before)
  let state = await safeCheck(rap, items, signal)
  // Served already (the usual case): one request, nothing recorded.
  if (!before && state.pending.length === 0) return undefined
  const startedAt = before?.startedAt ?? ctx.now().toISOString()
  const started = { by: rap.cms, startedAt, items: state.expected, timeoutMs: rap.timeoutMs }
  if (!before) await noteStage(ctx.db, batchId, 'planning', { readAfterPublish: started })
  const deadline = Date.parse(startedAt) + rap.timeoutMs
  for (let poll = 0; state.pending.length > 0; poll++) {
    const left = deadline - ctx.now().getTime()
    if (left <= 0) break
    await sleep(Math.min(left, pollDelayMs(poll, rap.poll)), undefined, { signal })
    state = await safeCheck(rap, items, signal)
  }
  const ended = { ...started, endedAt: ctx.now().toISOString(), pending: state.pending }
  await noteStage(ctx.db, batchId, 'planning', { readAfterPublish: ended })
  return noteOf(ended)
}

/** A failed check counts as not served yet (the planner's own reads fail loudly if it lasts). */
async function safeCheck(rap: ReadAfterPublish, items: ItemChange[], signal: AbortSignal) {
  try {
    return await rap.check(items, signal)
  } catch (error) {
    if (signal.aborted) throw error
    return { expected: items.length, pending: [`(${(error as Error).message})`] }
  }
}

function noteOf(record: ReadAfterPublishRecord): PlanNote {
  const ms = Date.parse(record.endedAt ?? record.startedAt) - Date.parse(record.startedAt)
  const took = `${(ms / 1000).toFixed(1)} s`
  if (!record.pending || record.pending.length === 0) {
    return {
      level: 'info',
      message: `waited ${took} for ${record.by} to serve what was published (${record.items} item(s)) before reading it and re-rendering`,
    }
  }
  return {
    level: 'warn',
    message: `${record.by} did not serve ${record.pending.join(', ')} within ${record.timeoutMs / 1000} s: planned and re-rendered anyway, so pages may show the older content`,
  }
}
