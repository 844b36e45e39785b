import type { Pod } from '../discovery/types.ts'
import { listDeliveries, recordDeliveries } from '../store/deliveries.ts'
import { deliverToPod, type PodDelivery } from '../targets/pods/fanout.ts'
import type { RevalidateRequest } from '../targets/types.ts'
import type { PipelineContext, PodsStageOptions } from './context.ts'
import { podEvents } from './pod-events.ts'

/**
 * pods with `fanout: one`: the pods share a cache handler (e.g. Redis), so one pod's
 * revalidation is every pod's. The batch goes to one pod; if it fails, to the next; the first
 * that confirms counts for all, and the others are recorded `skipped` with the reason, so the
 * event shows who was called and why the rest were not. Throws, naming each pod tried, when
 * none confirmed (the stage job retries with backoff).
 */
export async function deliverToOnePod(
  ctx: PipelineContext,
  batchId: string,
  pods: PodsStageOptions,
  request: RevalidateRequest,
  signal: AbortSignal,
): Promise<void> {
  const current = await pods.discovery.list(signal)
  if (current.length === 0)
    throw new Error(`[freshet] [pods] ${pods.discovery.name} discovery found no pods`)
  const previous = await listDeliveries(ctx.db, batchId)
  const done = previous.find((d) => d.status === 'confirmed')
  if (done) return
  const failed: PodDelivery[] = []
  const say = podEvents(ctx, batchId)
  for (const pod of inTurn(current, batchId)) {
    const delivery = await deliverToPod(
      pods.client,
      pod,
      request,
      pods.retry,
      signal,
      pods.itemsPerRequest,
      say.retrying,
    )
    if (delivery.status === 'failed') {
      failed.push(delivery)
      continue
    }
    const others = current.filter((each) => each.id !== pod.id)
    await recordDeliveries(
      ctx.db,
      batchId,
      [...failed, delivery, ...others.filter(notIn(failed)).map((p) => skipped(p, pod))],
      ctx.now(),
    )
    for (const d of [...failed, delivery]) say.delivered(d)
    return
  }
  await recordDeliveries(ctx.db, batchId, failed, ctx.now())
  for (const d of failed) say.delivered(d)
  const named = failed.map((f) => `${f.pod.id} (${f.error ?? 'failed'})`).join('; ')
  throw new Error(`[freshet] [pods] fanout one: no pod confirmed, tried ${named}`)
}

/** Each batch starts at another pod (by its id), so batches spread over the fleet. */
function inTurn(pods: Pod[], batchId: string): Pod[] {
  const sorted = [...pods].sort((a, b) => a.id.localeCompare(b.id))
  let hash = 0
  for (const char of batchId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  const start = hash % sorted.length
  return [...sorted.slice(start), ...sorted.slice(0, start)]
}

const notIn = (deliveries: PodDelivery[]) => (pod: Pod) =>
  !deliveries.some((d) => d.pod.id === pod.id)

function skipped(pod: Pod, by: Pod) {
  return {
    pod,
    status: 'skipped' as const,
    attempts: 0,
    error: `skipped: shared cache (pods.fanout: one); ${by.id} revalidated it for every pod`,
  }
}
