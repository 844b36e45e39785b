import type { Pod } from '../discovery/types.ts'
import { listDeliveries, recordDeliveries, recordDelivery } from '../store/deliveries.ts'
import { deliverToPods, type PodDelivery } from '../targets/pods/fanout.ts'
import type { PipelineContext, PodsStageOptions } from './context.ts'
import { advanceToNextStage } from './next-stage.ts'
import { podEvents } from './pod-events.ts'
import { deliverToOnePod } from './stage-pods-one.ts'
import { plannedBatchAt } from './transitions.ts'

// Pods that appear while a batch is delivered join it; after this many rounds the set is
// taken as settled (a pod appearing later catches up on its own).
const DISCOVERY_ROUNDS = 3

/**
 * pods: every current pod revalidates the plan and confirms. A pod that disappears is dropped,
 * not failed; one that appears joins. Any pod that does not confirm fails the attempt (the job
 * retries with backoff); the CDN is never purged before every pod confirmed. With
 * `pods.fanout: one` the pods share a cache, and one pod's confirmation is every pod's.
 */
export async function runPodsStage(ctx: PipelineContext, batchId: string, signal: AbortSignal) {
  const batch = await plannedBatchAt(ctx, batchId, 'pods')
  const pods = ctx.pods
  if (!batch || !pods) return
  const request = {
    paths: (batch.plan?.paths ?? []).map((p) => p.value),
    tags: (batch.plan?.tags ?? []).map((t) => t.value),
  }
  if (pods.fanout === 'one') {
    await deliverToOnePod(ctx, batchId, pods, request, signal)
    ctx.lifecycle.emit('pods:confirmed', { batchId, pods: 1 })
    return advanceToNextStage(ctx, batchId, 'pods')
  }
  const previous = await listDeliveries(ctx.db, batchId)
  const confirmed = new Set(previous.filter((d) => d.status === 'confirmed').map((d) => d.pod_id))

  for (let round = 0; round < DISCOVERY_ROUNDS; round++) {
    const current = await listPods(pods, signal)
    const todo = current.filter((pod) => !confirmed.has(pod.id))
    if (todo.length === 0) break
    const writer = deliveryWriter(ctx, batchId)
    const results = await deliverToPods({
      client: pods.client,
      pods: todo,
      request,
      retry: pods.retry,
      concurrency: pods.concurrency,
      partSize: pods.itemsPerRequest,
      signal,
      onResult: (delivery) => writer.add(delivery),
      onRetry: podEvents(ctx, batchId).retrying,
    })
    await writer.done()
    for (const r of results) if (r.status === 'confirmed') confirmed.add(r.pod.id)
    await failUnlessGone(
      ctx,
      batchId,
      pods,
      results.filter((r) => r.status === 'failed'),
      signal,
    )
  }
  ctx.lifecycle.emit('pods:confirmed', { batchId, pods: confirmed.size })
  await advanceToNextStage(ctx, batchId, 'pods')
}

async function listPods(pods: PodsStageOptions, signal: AbortSignal): Promise<Pod[]> {
  const current = await pods.discovery.list(signal)
  if (current.length === 0)
    throw new Error(`[freshet] [pods] ${pods.discovery.name} discovery found no pods`)
  return current
}

// Results wait this long to be written together: long enough that a round of fast pods is one
// write at its end, short enough that a slow round shows its progress in the event.
const WRITE_BEHIND_MS = 250

/**
 * Writes pod results behind the round, many per statement: one write per pod made 200 pods
 * cost more than the 200 calls (the embedded store also runs on this thread). Each
 * `pod:delivered` follows its row's write.
 */
function deliveryWriter(ctx: PipelineContext, batchId: string) {
  let pending: PodDelivery[] = []
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()
  let failure: unknown
  const say = podEvents(ctx, batchId)
  const write = () => {
    clearTimeout(timer)
    timer = undefined
    const rows = pending
    pending = []
    if (rows.length === 0) return writing
    writing = writing.then(async () => {
      try {
        await recordDeliveries(ctx.db, batchId, rows, ctx.now())
        for (const delivery of rows) say.delivered(delivery)
      } catch (error) {
        failure ??= error
      }
    })
    return writing
  }
  return {
    add(delivery: PodDelivery) {
      pending.push(delivery)
      timer ??= setTimeout(write, WRITE_BEHIND_MS)
    },
    /** Resolves once every result is written; throws if a write failed. */
    async done() {
      await write()
      if (failure) throw failure
    },
  }
}

/** Failed pods that discovery no longer lists are dropped; any other failure fails the attempt. */
async function failUnlessGone(
  ctx: PipelineContext,
  batchId: string,
  pods: PodsStageOptions,
  failed: PodDelivery[],
  signal: AbortSignal,
) {
  if (failed.length === 0) return
  const present = new Set((await pods.discovery.list(signal)).map((pod) => pod.id))
  const stillThere = failed.filter((f) => present.has(f.pod.id))
  for (const gone of failed.filter((f) => !present.has(f.pod.id))) {
    await recordDelivery(ctx.db, batchId, { ...gone, status: 'dropped', attempts: 0 }, ctx.now())
  }
  if (stillThere.length > 0) {
    // A pod's error already names freshet, the stage and the pod: said once, not twice.
    const named = stillThere.map((f) => `${f.pod.id} (${ownError(f)})`).join('; ')
    throw new Error(`[freshet] [pods] not confirmed by ${stillThere.length} pod(s): ${named}`)
  }
}

/** A pod's error without the `[freshet] [pods] <pod>` its summary already says. */
function ownError(delivery: PodDelivery) {
  const error = delivery.error ?? 'failed'
  const prefix = `[freshet] [pods] ${delivery.pod.id}`
  return error.startsWith(prefix) ? error.slice(prefix.length).replace(/^:?\s*/, '') : error
}
