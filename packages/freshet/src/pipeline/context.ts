import type { PgBoss } from 'pg-boss'
import type { ContentChange, Plan } from '../core/domain.ts'
import type { Discovery } from '../discovery/types.ts'
import type { Db } from '../store/db.ts'
import type { PodRetryPolicy } from '../targets/pods/fanout.ts'
import type { CdnTarget, PodClient } from '../targets/types.ts'
import type { Lifecycle } from './lifecycle.ts'
import type { ReadAfterPublish } from './read-after-publish.ts'

/** From changes to paths and tags. The CMS-aware planner and the explicit one both fit. */
export interface Planner {
  plan(changes: ContentChange[], signal: AbortSignal): Promise<Plan>
}

export interface PodsStageOptions {
  discovery: Discovery
  client: PodClient
  retry: PodRetryPolicy
  concurrency: number
  itemsPerRequest: number
  stageAttempts: number
  /** `one` (default `every`): the pods share a cache handler, so one pod's revalidation is every pod's. */
  fanout?: 'every' | 'one' | undefined
}

export interface CdnDistribution {
  target: CdnTarget
  maxPathsInProgress: number
  maxWildcardsInProgress: number
  tags: boolean
  edgeTags?: boolean
  rscVariants: boolean
  collapse?: number | undefined
  pollInitialMs: number
  pollMaxMs: number
  deadlineMinutes: number
  /** Widen a batch that cannot complete within `maxDelaySeconds` (targets with in-progress limits). */
  widening?: CdnWidening | undefined
}

export interface CdnWidening {
  maxDelaySeconds: number
  allowSiteWide: boolean
  /** Completion times observed (seconds, newest last), filled by the track stage. */
  completions: number[]
}

export interface CoalesceOptions {
  windowMs: number
  maxWaitMs: number
  maxBatchEvents: number
}

/** Everything a stage needs, injected. */
export interface PipelineContext {
  db: Db
  boss: PgBoss
  lifecycle: Lifecycle
  now: () => Date
  planner: Planner
  pods: PodsStageOptions | undefined
  cdn: CdnDistribution[]
  coalesce: CoalesceOptions
  /** Waits, before planning, for the CMS's delivery CDN to serve what was published. */
  readAfterPublish?: ReadAfterPublish | undefined
  /** Wakes this process's worker of a queue, so a hand-off costs no polling interval. */
  wake(queue: string): void
}
