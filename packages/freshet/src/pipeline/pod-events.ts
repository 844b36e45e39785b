import type { PodDelivery, PodRetrying } from '../targets/pods/fanout.ts'
import type { PipelineContext } from './context.ts'

/** What every pods stage says of a pod: each retry as it is scheduled, each delivery's end. */
export function podEvents(ctx: PipelineContext, batchId: string) {
  return {
    retrying: (r: PodRetrying) =>
      ctx.lifecycle.emit('pod:retrying', {
        batchId,
        podId: r.pod.id,
        url: r.pod.url,
        attempt: r.attempt,
        of: r.of,
        error: r.error,
        nextAt: r.nextAt,
        at: r.at,
        log: r.log,
      }),
    delivered: (delivery: PodDelivery) =>
      ctx.lifecycle.emit('pod:delivered', {
        batchId,
        podId: delivery.pod.id,
        status: delivery.status,
        attempts: delivery.attempts,
        ms: delivery.ms,
        error: delivery.error,
      }),
  }
}
