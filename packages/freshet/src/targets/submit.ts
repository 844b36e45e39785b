/**
 * Submits a batch's CDN items as invalidations, store-agnostic: chunks them deterministically,
 * waits for room under the distribution's in-progress limits instead of failing, retries what
 * can pass with backoff and jitter, and throws what cannot with its reason.
 *
 * Safe to call again from scratch after a crash: chunk `i` always has the same items and the
 * same CallerReference, so CloudFront answers the invalidation it already created.
 */
import { setTimeout as delay } from 'node:timers/promises'
import pRetry from 'p-retry'
import {
  type CdnLimits,
  callerReference,
  chunkItems,
  fits,
  type PollSchedule,
  pollDelayMs,
} from '../core/cdn-chunks.ts'
import { type CdnAttempt, liveAttempts, withAttempts } from './attempts.ts'
import { CdnError, type CdnLoad, type CdnTarget, type InvalidationState } from './types.ts'

export interface InvalidationRecord {
  chunk: number
  callerReference: string
  invalidationId: string
  status: InvalidationState['status']
  paths: string[]
  /** Each attempt to create it (HTTP attempts where the target reports them). */
  log: CdnAttempt[]
}

/** A chunk's create failed and another try follows at `nextAt` (attempt n of at most `of`). */
export interface CdnRetry {
  chunk: number
  attempt: number
  of: number
  error: string
  nextAt: string
  /** When the attempt failed: the page draws the wait from here to `nextAt`. */
  at: string
  /** The HTTP attempts so far (the latest few), drawn as bars while the chunk is retried. */
  log: CdnAttempt[]
}

export interface RetryPolicy {
  /** Attempts after the first, for errors that may pass (throttling, 5xx, network). */
  retries: number
  minTimeoutMs: number
  maxTimeoutMs: number
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 6,
  minTimeoutMs: 500,
  maxTimeoutMs: 20_000,
}

export interface RoomWait {
  chunk: number
  load: CdnLoad | undefined
  delayMs: number
}

export interface SubmitOptions {
  target: CdnTarget
  batchId: string
  items: readonly string[]
  limits: CdnLimits
  signal: AbortSignal
  /** Waits between room checks (default: a timer that honours the signal). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  /** Called as each chunk's invalidation is known: persist it here. */
  onCreated?: (record: InvalidationRecord) => void | Promise<void>
  /** Called when a chunk's create failed and will be tried again (the page shows it live). */
  onRetry?: (retry: CdnRetry) => void
  /** Called before each wait for room (for logs and metrics). */
  onWait?: (wait: RoomWait) => void
  /** Schedule of room checks (default `defaultRoomPoll`: 0.5 s doubling to 2 s). */
  roomPoll?: PollSchedule
  retry?: RetryPolicy
}

/**
 * Room checks: room frees up only as invalidations complete (AWS quotes under 25 s at P95), so
 * a short, flat schedule finds it soon after; each check is one ListInvalidations (plus one
 * GetInvalidation per in-progress invalidation not seen before). Measured in
 * bench/cloudfront-burst.ts: 1 s doubling to 10 s made a 7-wave burst take 54 s; this, 47 s (35 s is the floor).
 */
export const defaultRoomPoll: PollSchedule = { initialMs: 500, maxMs: 2000 }

const NO_ROOM = 'TooManyInvalidationsInProgress'
const defaultSleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal })

function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry?: (attempt: number, error: Error, delayMs: number) => void,
): Promise<T> {
  return pRetry(call, {
    retries: policy.retries,
    minTimeout: policy.minTimeoutMs,
    maxTimeout: policy.maxTimeoutMs,
    randomize: true,
    signal,
    // The layer said how long to wait (429 Retry-After): wait that long before p-retry's backoff.
    onFailedAttempt: async ({ error, attemptNumber, retryDelay }) => {
      const cdn = error instanceof CdnError ? error : undefined
      const raw = cdn?.retryAfterMs
      const wait = raw && raw > 0 && cdn?.code !== NO_ROOM ? Math.min(raw, 60_000) : 0
      const passes = cdn?.retryable === true && cdn.code !== NO_ROOM
      if (passes && (retryDelay > 0 || wait > 0)) onRetry?.(attemptNumber, error, wait + retryDelay)
      if (wait > 0) await delay(wait, undefined, { signal })
    },
    // No room is not a failure to retry blindly: the caller waits for room instead.
    shouldRetry: ({ error }) =>
      error instanceof CdnError && error.retryable && error.code !== NO_ROOM,
  })
}

const isNoRoom = (error: unknown) => error instanceof CdnError && error.code === NO_ROOM

interface Context extends SubmitOptions {
  sleep: NonNullable<SubmitOptions['sleep']>
  roomPoll: PollSchedule
  retry: RetryPolicy
  /** Try to create before looking at the load (a batch of one chunk, the common publish). */
  createFirst: boolean
}

/** Resolves once the chunk fits beside the work in progress, or is itself in progress. */
async function waitForRoom(ctx: Context, chunk: string[], index: number, reference: string) {
  const { target, signal } = ctx
  const readLoad = target.load?.bind(target)
  if (!readLoad) return
  for (let attempt = 0; ; attempt++) {
    const load: CdnLoad & { callerReferences?: string[] } = await withRetry(
      () => readLoad(signal),
      ctx.retry,
      signal,
    )
    if (load.callerReferences?.includes(reference)) return
    if (fits(chunk, load, ctx.limits)) return
    const delayMs = pollDelayMs(attempt, ctx.roomPoll)
    ctx.onWait?.({ chunk: index, load, delayMs })
    await ctx.sleep(delayMs, signal)
  }
}

async function submitChunk(
  ctx: Context,
  chunk: string[],
  index: number,
): Promise<InvalidationRecord> {
  const reference = callerReference(ctx.batchId, ctx.target.distributionId, index)
  const log: CdnAttempt[] = []
  const of = ctx.retry.retries + 1
  const retried = (attempt: number, error: unknown, delayMs: number) => {
    const now = Date.now()
    ctx.onRetry?.({
      chunk: index,
      attempt,
      of,
      error: log.at(-1)?.error ?? String(error),
      nextAt: new Date(now + delayMs).toISOString(),
      at: new Date(now).toISOString(),
      log: liveAttempts(log),
    })
  }
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0 || !ctx.createFirst) await waitForRoom(ctx, chunk, index, reference)
    try {
      const request = { callerReference: reference, items: chunk }
      const state = await withRetry(
        () => withAttempts(log, () => ctx.target.create(request, ctx.signal)),
        ctx.retry,
        ctx.signal,
        retried,
      )
      return {
        chunk: index,
        callerReference: reference,
        invalidationId: state.id,
        status: state.status,
        paths: chunk,
        log,
      }
    } catch (error) {
      // Someone else took the room between our check and our call (or the CDN cannot tell its
      // load): back off and look again.
      if (!isNoRoom(error)) throw error
      const delayMs = (error as CdnError).retryAfterMs ?? pollDelayMs(attempt, ctx.roomPoll)
      // Waiting for room has no limit of attempts: "of" stays the retry policy's.
      retried(attempt + 1, error, delayMs)
      ctx.onWait?.({ chunk: index, load: undefined, delayMs })
      await ctx.sleep(delayMs, ctx.signal)
    }
  }
}

/** Creates (or finds again) the invalidations of a batch; one record per chunk, in order. */
export async function submitInvalidations(options: SubmitOptions): Promise<InvalidationRecord[]> {
  const ctx: Context = {
    ...options,
    sleep: options.sleep ?? defaultSleep,
    roomPoll: options.roomPoll ?? defaultRoomPoll,
    retry: options.retry ?? defaultRetryPolicy,
    createFirst: false,
  }
  const records: InvalidationRecord[] = []
  const chunks = chunkItems(options.items, options.limits)
  // One chunk: CloudFront's own answer says whether there is room (one call, not three);
  // a burst of chunks looks at the load first, so it waits instead of collecting refusals.
  ctx.createFirst = chunks.length === 1
  for (const [index, chunk] of chunks.entries()) {
    const record = await submitChunk(ctx, chunk, index)
    await options.onCreated?.(record)
    records.push(record)
  }
  return records
}

/** The current status of each invalidation, retrying what may pass. */
export async function checkInvalidations(
  target: CdnTarget,
  ids: readonly string[],
  signal: AbortSignal,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<InvalidationState[]> {
  const states: InvalidationState[] = []
  for (const id of ids) states.push(await withRetry(() => target.get(id, signal), retry, signal))
  return states
}

/** What the target has in progress (none, when it cannot tell), retrying what may pass. */
export async function currentLoad(
  target: CdnTarget,
  signal: AbortSignal,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<CdnLoad> {
  const readLoad = target.load?.bind(target)
  if (!readLoad) return { paths: 0, wildcards: 0 }
  return withRetry(() => readLoad(signal), retry, signal)
}
