/**
 * The pipeline's stages, each described once; the workers, the queues, the hand-overs, the
 * skips, the metrics and the page read them from here.
 *
 * One vocabulary: a stage's `name` is also its batch's status while the batch is there (stored in
 * `batches.status`, shown by `GET /api/events`) and the `stage` of lifecycle events and metrics.
 * `queue` is its pg-boss queue, named before this table existed (`freshet-plan`, `freshet-track`)
 * and kept, since queued jobs of a running release live under those names.
 *
 * The handlers import the hand-over functions (`transitions.ts`, `next-stage.ts`), which read
 * this table: a cycle, safe because nothing on it is read while the modules load (handlers
 * are called through arrows, the table only from inside functions). Keep it that way.
 */
import type { BatchStatus } from '../core/domain.ts'
import {
  DEAD_LETTER_RETRY,
  type QueueRetry,
  STAGE_RETRY,
  type StageAttempts,
} from '../core/retry-policy.ts'
import type { PipelineContext } from './context.ts'
import { runCdnStage } from './stage-cdn.ts'
import { runPlanStage } from './stage-plan.ts'
import { runPodsStage } from './stage-pods.ts'
import { runTrackStage } from './stage-track.ts'

export interface StageJob {
  batchId: string
  /** Tracking polls: how many came before. */
  poll?: number
}

type Handler = (ctx: PipelineContext, job: StageJob, signal: AbortSignal) => Promise<void>

export interface Stage {
  /** Also the batch's status while it is at this stage. */
  name: Exclude<BatchStatus, 'completed' | 'failed'>
  queue: string
  /** Jobs of this stage one replica runs at once. */
  concurrency: number
  retry: (attempts: StageAttempts) => QueueRetry
  /** Why this stage does not apply to this deployment (recorded as skipped), or undefined. */
  skippedWhen: (ctx: PipelineContext) => string | undefined
  /** Where the batch goes after this stage (or its first configured successor). */
  next: BatchStatus
  run: Handler
}

const noPods = (ctx: PipelineContext) =>
  ctx.pods ? undefined : 'no pods configured (pods.discovery)'
const noCdn = (ctx: PipelineContext) =>
  ctx.cdn.length > 0 ? undefined : 'no CDN configured (cdn.cloudfront)'

/** In pipeline order: the collector hands each new batch to the first. */
export const STAGES = [
  {
    name: 'planning',
    queue: 'freshet-plan',
    concurrency: 4,
    retry: STAGE_RETRY.planning,
    skippedWhen: () => undefined,
    next: 'pods',
    run: (ctx, job, signal) => runPlanStage(ctx, job.batchId, signal),
  },
  {
    name: 'pods',
    queue: 'freshet-pods',
    concurrency: 4,
    retry: STAGE_RETRY.pods,
    skippedWhen: noPods,
    next: 'cdn',
    run: (ctx, job, signal) => runPodsStage(ctx, job.batchId, signal),
  },
  {
    name: 'cdn',
    queue: 'freshet-cdn',
    concurrency: 2,
    retry: STAGE_RETRY.cdn,
    skippedWhen: noCdn,
    next: 'tracking',
    run: (ctx, job, signal) => runCdnStage(ctx, job.batchId, signal),
  },
  {
    name: 'tracking',
    queue: 'freshet-track',
    concurrency: 4,
    retry: STAGE_RETRY.tracking,
    skippedWhen: noCdn,
    next: 'completed',
    run: (ctx, job, signal) => runTrackStage(ctx, job, signal),
  },
] as const satisfies readonly Stage[]

export type StageName = Stage['name']

// Every status a batch passes through before it ends has its row.
type Missing = Exclude<StageName, (typeof STAGES)[number]['name']>
const everyStatusHasARow: [Missing] extends [never] ? true : Missing = true
void everyStatusHasARow

/** Where a stage's job that exhausted its retries (or expired) goes: it fails the batch. */
export const DEAD_LETTER = { queue: 'freshet-failed', retry: DEAD_LETTER_RETRY } as const

export const STAGE_NAMES: readonly StageName[] = STAGES.map((stage) => stage.name)

/** Every status `GET /api/events?status=` accepts, in pipeline order. */
export const EVENT_STATUSES = [
  'received',
  'scheduled',
  ...STAGE_NAMES,
  'completed',
  'failed',
] as const

export function stageNamed(name: string): Stage | undefined {
  return STAGES.find((stage) => stage.name === name)
}

/** The stage's row; for a name this table has no row for, a loud error (a programming error). */
export function stage(name: StageName): Stage {
  const found = stageNamed(name)
  if (!found) throw new Error(`[freshet] [pipeline] no stage named ${name}`)
  return found
}

/** The stages after `from`, in order (`completed` and `failed` have no row). */
export function stagesAfter(from: BatchStatus): Stage[] {
  const after: Stage[] = []
  for (let row = stageNamed(from); row; ) {
    row = stageNamed(row.next)
    if (row) after.push(row)
  }
  return after
}
