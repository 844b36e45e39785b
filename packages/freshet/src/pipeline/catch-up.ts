/**
 * Late pods catch up (DESIGN.md invariant 8). A pod that starts after an invalidation serves
 * the pages of its build. When discovery reports a pod it did not list before, freshet asks its
 * build time (`GET /api/revalidate`) and replays to it every path and tag of the batches
 * created since then; only once the pod confirmed does it count as current (`pod_catchups`).
 *
 * - Durable: joining writes the pod's row and a `freshet-catchup` job in one transaction; the job
 *   retries with backoff, and after its last retry the pod is marked `failed`, with the error.
 * - Cut-off: batches created at or after `buildTime - CATCH_UP_MARGIN_MS`. A build renders its
 *   pages (and reads the CMS) during the minutes before it writes BUILD_ID, whose mtime is the
 *   build time, and build machines' clocks drift; replaying a page too many is harmless (a
 *   revalidation is idempotent), one too few is stale content. A batch created before the cut-off
 *   was planned from a change the build saw.
 * - Only adapters with `watch` report new pods (dns, kubernetes); a static list never changes.
 *   A pod appearing during a batch is also reached by that batch's pods stage, which re-lists.
 */

import { CATCH_UP_RETRY, STAGE_JOB } from '../core/retry-policy.ts'
import type { Pod } from '../discovery/types.ts'
import {
  currentPods,
  forgetPodsExcept,
  markCatchUpError,
  markCaughtUp,
  markJoined,
  replaySince,
} from '../store/replay.ts'
import { deliverToPod } from '../targets/pods/fanout.ts'
import type { PipelineContext, PodsStageOptions } from './context.ts'

export const CATCH_UP_QUEUE = 'freshet-catchup'
export const CATCH_UP_MARGIN_MS = 10 * 60_000
/** Paths and tags per replay request: the pod re-renders each path before it answers. */
export const REPLAY_CHUNK = 50

export interface CatchUpJob {
  pod: Pod
}

export interface CatchUp {
  /** Resolves once the pod reports received so far are handled (for tests). */
  idle(): Promise<void>
  /** Stops following discovery and takes this process's worker off the queue. */
  stop(): Promise<void>
}

/** Replays since `buildTime` minus the margin. Throws on a build time that is not a time. */
export function replayCutoff(buildTime: string, marginMs = CATCH_UP_MARGIN_MS): Date {
  const built = Date.parse(buildTime)
  if (Number.isNaN(built)) throw new Error(`build time "${buildTime}" is not an ISO time`)
  return new Date(built - marginMs)
}

/** Follows discovery and catches up each pod that appears. Nothing to do without `watch`. */
export async function startCatchUp(ctx: PipelineContext): Promise<CatchUp | undefined> {
  const pods = ctx.pods
  if (!pods?.discovery.watch) return undefined
  await ctx.boss.createQueue(CATCH_UP_QUEUE, {
    policy: 'stately',
    ...CATCH_UP_RETRY,
    expireInSeconds: STAGE_JOB.expireInSeconds,
  })
  const worker = await ctx.boss.work<CatchUpJob>(
    CATCH_UP_QUEUE,
    // A new job wakes the worker (below); a retry's backoff is found by polling.
    { pollingIntervalSeconds: 1, localConcurrency: 4 },
    async ([job]) => {
      if (job) await catchUpPod(ctx, pods, job.data.pod, job.retryCount, job.signal)
    },
  )
  const tracker = podTracker(ctx, () => ctx.boss.notifyWorker(worker))
  const unwatch = pods.discovery.watch((current) => tracker.report(current))
  return {
    idle: () => tracker.idle(),
    async stop() {
      unwatch()
      await ctx.boss.offWork(CATCH_UP_QUEUE, { id: worker })
    },
  }
}

/** Compares each report with the last; the pods not in it before join (in report order). */
function podTracker(ctx: PipelineContext, wake: () => void) {
  let known: Map<string, string> | undefined
  let chain = Promise.resolve()
  const handle = async (current: Pod[]) => {
    // After a restart, the pods that confirmed a catch-up at their URL are known current.
    known ??= new Map((await currentPods(ctx.db)).map((pod) => [pod.id, pod.url]))
    const joined = current.filter((pod) => known?.get(pod.id) !== pod.url)
    known = new Map(current.map((pod) => [pod.id, pod.url]))
    await forgetPodsExcept(ctx.db, current)
    for (const pod of joined) await join(ctx, pod)
    if (joined.length > 0) wake()
  }
  return {
    report(current: Pod[]) {
      chain = chain
        .then(() => handle(current))
        .catch((error: unknown) => {
          ctx.lifecycle.emit('pipeline:error', { where: 'catch-up', error })
        })
    },
    idle: () => chain,
  }
}

async function join(ctx: PipelineContext, pod: Pod) {
  // Each replica sees the pod appear; only the one whose record opens its catch-up sends it.
  const joined = await ctx.db.transaction(async (tx) => {
    if (!(await markJoined(tx, pod, ctx.now()))) return false
    await ctx.boss.send(CATCH_UP_QUEUE, { pod } satisfies CatchUpJob, {
      db: tx.boss,
      singletonKey: pod.id,
    })
    return true
  })
  if (joined) ctx.lifecycle.emit('pod:joined', { podId: pod.id, url: pod.url })
}

/** One attempt: build time, replay, confirm. Throws so the job retries. */
async function catchUpPod(
  ctx: PipelineContext,
  pods: PodsStageOptions,
  pod: Pod,
  retryCount: number,
  signal: AbortSignal,
) {
  const started = performance.now()
  const listed = await pods.discovery.list(signal)
  // Gone before it caught up: nothing to make current (should it come back, it joins again).
  if (!listed.some((each) => each.id === pod.id && each.url === pod.url)) return
  try {
    const build = await pods.client.buildInfo(pod, signal)
    const replay = await replaySince(ctx.db, replayCutoff(build.buildTime))
    if (replay.paths.length + replay.tags.length > 0) {
      const items = { paths: replay.paths, tags: replay.tags }
      const delivery = await deliverToPod(pods.client, pod, items, pods.retry, signal, REPLAY_CHUNK)
      if (delivery.status === 'failed') throw new Error(delivery.error ?? 'not confirmed')
    }
    await markCaughtUp(ctx.db, pod, build, replay, ctx.now())
    ctx.lifecycle.emit('pod:caught-up', {
      podId: pod.id,
      buildId: build.buildId,
      buildTime: build.buildTime,
      batches: replay.batches,
      paths: replay.paths.length,
      tags: replay.tags.length,
      ms: performance.now() - started,
    })
  } catch (cause) {
    const final = retryCount >= CATCH_UP_RETRY.retryLimit
    const message = `[freshet] [catch-up] ${pod.id}: ${(cause as Error).message}`
    await markCatchUpError(ctx.db, pod, message, final)
    ctx.lifecycle.emit('pod:catch-up-failed', { podId: pod.id, error: message, final })
    throw new Error(message, { cause })
  }
}
