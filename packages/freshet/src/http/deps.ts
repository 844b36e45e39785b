import type { LiveFeed } from '../observability/live-feed.ts'
import type { Planner } from '../pipeline/context.ts'
import type { Lifecycle } from '../pipeline/lifecycle.ts'
import type { Pipeline } from '../pipeline/runtime.ts'
import type { Source } from '../sources/types.ts'
import type { Db } from '../store/db.ts'

export interface AppDeps {
  db: Db
  sources: ReadonlyMap<string, Source>
  pipeline: Pick<Pipeline, 'accept' | 'retry'>
  /** Dry runs: the planner without side effects. */
  simulate?: Planner | undefined
  lifecycle: Lifecycle
  /** The pipeline's progress from every replica, for `/api/stream`. */
  live: LiveFeed
  adminToken: string | undefined
  metrics: { contentType: string; render(): Promise<string> }
  /** False while shutting down: webhooks answer 503 so the CMS retries elsewhere. */
  accepting(): boolean
  /** Why the service cannot do its work whatever happens (no Kubernetes configuration): /readyz 503. */
  notReady?: () => string | undefined
  now(): Date
  /** A link template for an event's trace, `{traceId}` replaced (FRESHET_TRACE_URL). */
  traceUrl?: string | undefined
}
