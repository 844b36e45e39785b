import { EventEmitter } from 'node:events'
import type { DeliveryStatus } from '../core/domain.ts'

/** One call of a retried pod or CDN chunk, as the page draws it. */
interface Attempt {
  at: string
  ms: number
  ok: boolean
  error?: string | undefined
}

/**
 * What the pipeline announces as it works. Logs, metrics and the web page subscribe; the
 * pipeline never imports a logger.
 */
export interface LifecycleEvents {
  'event:received': [{ id: string; source: string; duplicate: boolean }]
  'event:ignored': [{ source: string; reason: string }]
  'batch:created': [{ batchId: string; events: number }]
  'batch:planned': [{ batchId: string; paths: number; tags: number }]
  'stage:started': [{ batchId: string; stage: string }]
  /** `traceId`: the stage's trace, when tracing is on (for exemplars). */
  'stage:ended': [{ batchId: string; stage: string; ms: number; traceId?: string | undefined }]
  'stage:skipped': [{ batchId: string; stage: string; reason: string }]
  'stage:retrying': [{ batchId: string; stage: string; error: string }]
  'pod:delivered': [
    {
      batchId: string
      podId: string
      status: DeliveryStatus
      attempts: number
      ms: number
      error?: string | undefined
    },
  ]
  /** A pod's call failed and another attempt follows at `nextAt` (attempt n of at most `of`). */
  'pod:retrying': [
    {
      batchId: string
      podId: string
      url: string
      attempt: number
      of: number
      error: string
      nextAt: string
      at: string
      log: Attempt[]
    },
  ]
  'pods:confirmed': [{ batchId: string; pods: number }]
  /** A chunk's CDN create failed and another try follows at `nextAt` (attempt n of at most `of`). */
  'cdn:retrying': [
    {
      batchId: string
      distributionId: string
      chunk: number
      attempt: number
      of: number
      error: string
      nextAt: string
      at: string
      log: Attempt[]
    },
  ]
  /** Discovery reports a pod it did not list before: it catches up before it counts current. */
  'pod:joined': [{ podId: string; url: string }]
  'pod:caught-up': [
    {
      podId: string
      buildId: string
      buildTime: string
      batches: number
      paths: number
      tags: number
      ms: number
    },
  ]
  'pod:catch-up-failed': [{ podId: string; error: string; final: boolean }]
  'cdn:call': [{ distributionId: string; operation: string; outcome: string }]
  'cdn:created': [
    {
      batchId: string
      distributionId: string
      chunk: number
      invalidationId: string
      items: number
    },
  ]
  /** A newly recorded invalidation: CloudFront bills its items (not on a retry that found it). */
  'cdn:billed': [{ batchId: string; distributionId: string; paths: number }]
  'cdn:completed': [{ batchId: string; distributionId: string; invalidationId: string }]
  /** A batch's paths were widened into wildcards to fit `maxDelaySeconds` (core/widen.ts). */
  'cdn:widened': [{ batchId: string; distributionId: string; paths: number; items: number }]
  'batch:completed': [{ batchId: string; events: number; ms: number }]
  /** `first`: the batch had not failed before (a batch retried by hand can fail again). */
  'batch:failed': [{ batchId: string; stage: string; error: string; first: boolean }]
  /**
   * Every event of a batch ended with it: one announcement per batch, not per event (a batch
   * can hold thousands, and from the pipeline thread each announcement is a message).
   */
  'events:finished': [
    {
      batchId: string
      status: 'completed' | 'failed'
      ids: string[]
      /** How many of them came from each source. */
      sources: Record<string, number>
      /** Each event's time from its webhook to this end, by source. */
      ms: Record<string, number[]>
      /** The batch's trace, when tracing is on (for exemplars). */
      traceId?: string | undefined
    },
  ]
  'pipeline:error': [{ where: string; error: unknown }]
  /**
   * The store refused an intake insert of `rows` webhooks (one of them is bad): it is split in
   * halves to find the culprit, so the others are still written.
   */
  'intake:split': [{ rows: number; error: string }]
  /** A client closed its connection before its request was read: info, not an error. */
  'request:aborted': [{ requestId: string; method: string; path: string }]
  /** A reconciliation run ended: what it cost (CMS requests, items read) and what it made. */
  'reconcile:completed': [
    {
      source: string
      requests: number
      items: number
      events: string[]
      seeded: number
      ms: number
    },
  ]
  'reconcile:failed': [{ source: string; error: string }]
}

export type Lifecycle = EventEmitter<LifecycleEvents>

export const createLifecycle = (): Lifecycle => new EventEmitter<LifecycleEvents>()

/** Every lifecycle event's name (the `satisfies` keeps it in step with `LifecycleEvents`). */
export const LIFECYCLE_EVENT_NAMES = Object.keys({
  'event:received': true,
  'event:ignored': true,
  'batch:created': true,
  'batch:planned': true,
  'stage:started': true,
  'stage:ended': true,
  'stage:skipped': true,
  'stage:retrying': true,
  'pod:delivered': true,
  'pod:retrying': true,
  'pods:confirmed': true,
  'pod:joined': true,
  'pod:caught-up': true,
  'pod:catch-up-failed': true,
  'cdn:call': true,
  'cdn:retrying': true,
  'cdn:created': true,
  'cdn:billed': true,
  'cdn:completed': true,
  'cdn:widened': true,
  'batch:completed': true,
  'batch:failed': true,
  'events:finished': true,
  'pipeline:error': true,
  'intake:split': true,
  'request:aborted': true,
  'reconcile:completed': true,
  'reconcile:failed': true,
} satisfies Record<keyof LifecycleEvents, true>) as (keyof LifecycleEvents)[]
