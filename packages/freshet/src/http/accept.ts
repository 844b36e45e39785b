import { hash, randomUUID } from 'node:crypto'
import type { ContentChange } from '../core/domain.ts'
import { activeTraceparent } from '../observability/spans.ts'
import type { Source } from '../sources/types.ts'
import type { AppDeps } from './deps.ts'
import { HttpError } from './errors.ts'

/** The configured source of that name, or a 404 that says how to configure it. */
export function sourceNamed(deps: AppDeps, name: string): Source {
  const source = deps.sources.get(name)
  if (!source) {
    throw new HttpError(
      404,
      'unknown_source',
      `source "${name}" is not configured (sources.${name})`,
    )
  }
  return source
}

/** Persists an event (webhook or manual purge); resolves once it is durable. */
export async function acceptEvent(
  deps: AppDeps,
  event: {
    source: string
    rawBody: string
    changes: ContentChange[]
    deliveryKey?: string | undefined
    notBefore?: Date | undefined
  },
) {
  const accepted = await deps.pipeline.accept({
    id: randomUUID(),
    source: event.source,
    receivedAt: deps.now(),
    bodyDigest: `sha256:${hash('sha256', event.rawBody)}`,
    deliveryKey: event.deliveryKey,
    changes: event.changes,
    notBefore: event.notBefore,
    // The request's span (@hono/otel's, continuing a sender's traceparent): stored with the
    // event, so its batch continues this trace wherever and whenever it runs.
    traceContext: activeTraceparent(),
  })
  deps.lifecycle.emit('event:received', {
    id: accepted.id,
    source: event.source,
    duplicate: accepted.duplicate,
  })
  return accepted
}
