/**
 * Spans across freshet's durable hand-offs. A trace context crosses them as a W3C
 * `traceparent` string stored with the event and the batch, so a stage run after a restart,
 * or on another replica, continues the trace of the webhook that caused it. With tracing off
 * (no SDK registered) every function here is a no-op that returns at once.
 */
import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { tracingOn } from './tracing.ts'

const tracer = () => trace.getTracer('freshet')

// Messaging conventions (still "development" in OpenTelemetry, so not in the stable package).
const MESSAGING_SYSTEM = 'messaging.system'
const MESSAGING_OPERATION_TYPE = 'messaging.operation.type'
const MESSAGING_OPERATION_NAME = 'messaging.operation.name'
const MESSAGING_DESTINATION = 'messaging.destination.name'
const MESSAGING_BATCH_COUNT = 'messaging.batch.message_count'
/** pg-boss is no system the conventions name; its own spans use this. */
const SYSTEM = 'pg-boss'
/** A span may hold at most 128 links by default (OTEL_SPAN_LINK_COUNT_LIMIT). */
const MAX_LINKS = 128

/** The active span's context as a `traceparent`, to store; undefined when nothing traces. */
export function activeTraceparent(): string | undefined {
  if (!tracingOn()) return undefined
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  return carrier.traceparent
}

function contextOf(traceparent: string | null | undefined): Context | undefined {
  if (!traceparent) return undefined
  return propagation.extract(ROOT_CONTEXT, { traceparent })
}

function linkTo(traceparent: string): Link | undefined {
  const spanContext = trace.getSpanContext(contextOf(traceparent) ?? ROOT_CONTEXT)
  return spanContext ? { context: spanContext } : undefined
}

/** `fn` outside any trace: timers and wake-ups it starts must not join a request's trace. */
export function detached<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => (tracingOn() ? context.with(ROOT_CONTEXT, () => fn(...args)) : fn(...args))
}

/**
 * Runs `fn` (which stores the batch and sends its first job) in the span that creates a batch:
 * a child of the first event's trace (so a batch of one event is one trace from webhook to
 * CDN), linked to every merged event's span; a new trace when no event was traced
 * (reconciliation). pg-boss stores the active context with the job it sends (its
 * `propagateContext`), so the stages continue it. `fn` gets the span's `traceparent`.
 */
export async function inBatchSpan<T>(
  batchId: string,
  queue: string,
  eventContexts: string[],
  fn: (traceparent: string | undefined) => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return fn(undefined)
  const links = eventContexts.slice(0, MAX_LINKS).flatMap((tp) => linkTo(tp) ?? [])
  const attributes = {
    [MESSAGING_SYSTEM]: SYSTEM,
    [MESSAGING_OPERATION_TYPE]: 'create',
    [MESSAGING_OPERATION_NAME]: 'create',
    [MESSAGING_DESTINATION]: queue,
    [MESSAGING_BATCH_COUNT]: eventContexts.length,
    'freshet.batch.id': batchId,
  }
  const parent = contextOf(eventContexts[0]) ?? ROOT_CONTEXT
  return tracer().startActiveSpan(
    `create ${queue}`,
    { kind: SpanKind.PRODUCER, links, attributes },
    parent,
    async (span) => {
      try {
        return await fn(activeTraceparent())
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message })
        throw error
      } finally {
        span.end()
      }
    },
  )
}

/** Runs `fn` in a stored trace context (a batch's, for a job sent by hand). */
export function inTraceparent<T>(traceparent: string | undefined, fn: () => T): T {
  const stored = contextOf(traceparent)
  return stored ? context.with(stored, fn) : fn()
}

/**
 * The active context, to run later work in (undefined when nothing traces): a batched insert
 * runs in its first request's trace, not in whichever request started the flushing loop.
 */
export function captureContext(): Context | undefined {
  return tracingOn() ? context.active() : undefined
}

/** Runs `fn` in a captured context (or as it is, when none was). */
export function inContext<T>(captured: Context | undefined, fn: () => T): T {
  return captured ? context.with(captured, fn) : fn()
}

/** Names the batch and stage on the span pg-boss runs a job's handler in. */
export function annotateJob(batchId: string, stage: string) {
  if (!tracingOn()) return
  trace.getActiveSpan()?.setAttributes({ 'freshet.batch.id': batchId, 'freshet.stage': stage })
}

/** The active span's trace id, for an exemplar; undefined when nothing traces. */
export function activeTraceId(): string | undefined {
  if (!tracingOn()) return undefined
  const spanContext = trace.getActiveSpan()?.spanContext()
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined
}
