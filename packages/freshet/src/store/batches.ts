import type { BatchStatus, Plan } from '../core/domain.ts'
import type { Db } from './db.ts'

/** The plan stage's wait for the CMS's delivery CDN (see pipeline/read-after-publish.ts). */
export interface ReadAfterPublishRecord {
  by: string
  startedAt: string
  endedAt?: string
  items: number
  timeoutMs: number
  /** At the end: what was still not served (empty: all was). */
  pending?: string[]
}

export interface BatchRow {
  id: string
  created_at: Date
  status: BatchStatus
  plan: Plan | null
  /** Per stage: when it started and ended, and whether it was skipped (and why). */
  stages: Record<
    string,
    {
      /** When the previous stage handed the batch over (its job was queued). */
      startedAt?: string
      /** When a worker first picked the stage's job up: queued before, working after. */
      pickedUpAt?: string
      endedAt?: string
      skipped?: string
      /** cdn: plan entries a target was not sent, and why (tags without cache tags, say). */
      notSent?: { target: string; value: string; reason: string }[]
      /** planning: the wait for the CMS's delivery CDN, when there was one. */
      readAfterPublish?: ReadAfterPublishRecord
      /** cdn: each distribution's widening decision (`items` when widened), see store/widening.ts. */
      widen?: Record<string, { items?: string[] }>
    }
  >
  failed_stage: string | null
  error: string | null
  cdn_started_at: Date | null
  finished_at: Date | null
  /** The batch's span as a W3C `traceparent`, when tracing was on. */
  trace_context: string | null
}

const waiting = `status IN ('received', 'scheduled')`
const due = `${waiting} AND (not_before IS NULL OR not_before <= $1)`

export interface WaitingSummary {
  /** The first and last moment a due event became due (null: none is due). */
  oldest: Date | null
  newest: Date | null
  nextDue: Date | null
}

/**
 * What waits to be collected: for the coalescing decision, and when a scheduled one is due.
 * Asked on every look, with thousands waiting under load: each part is one end of an index
 * (pg_stat_statements at 5,600–8,200 events/s: a count over the waiting events took 9–11.6 ms
 * a look, this 4.6 ms, likely stepping over index entries of events claimed since a vacuum).
 */
export async function waitingSummary(db: Db, now: Date): Promise<WaitingSummary> {
  const rows = await db.query<WaitingSummary>(
    `SELECT least(unscheduled.oldest, scheduled.oldest) AS oldest,
            greatest(unscheduled.newest, scheduled.newest) AS newest,
            later."nextDue"
     FROM (SELECT (SELECT received_at FROM events WHERE ${waiting} AND not_before IS NULL
                   ORDER BY received_at LIMIT 1) AS oldest,
                  (SELECT received_at FROM events WHERE ${waiting} AND not_before IS NULL
                   ORDER BY received_at DESC LIMIT 1) AS newest) unscheduled,
          (SELECT min(greatest(received_at, not_before)) AS oldest,
                  max(greatest(received_at, not_before)) AS newest
           FROM events WHERE ${waiting} AND not_before <= $1) scheduled,
          (SELECT min(not_before) AS "nextDue" FROM events WHERE ${waiting} AND not_before > $1) later`,
    [now.toISOString()],
  )
  return rows[0] ?? { oldest: null, newest: null, nextDue: null }
}

/** When the next scheduled event falls due (null: none waits); one end of an index. */
export async function nextDue(db: Db, now: Date): Promise<Date | null> {
  const rows = await db.query<{ nextDue: Date | null }>(
    `SELECT min(not_before) AS "nextDue" FROM events WHERE ${waiting} AND not_before > $1`,
    [now.toISOString()],
  )
  return rows[0]?.nextDue ?? null
}

/**
 * Moves due events into a new batch, created only when there are some: one statement, so a
 * look that finds nothing writes nothing, and one that finds some costs one round trip.
 * Replicas skip each other's rows.
 */
export async function claimIntoBatch(
  db: Db,
  batchId: string,
  now: Date,
  max: number,
  firstStage: BatchStatus,
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `WITH picked AS (
       SELECT id FROM events WHERE ${due}
       ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED),
     batch AS (
       INSERT INTO batches (id, status, stages)
       SELECT $2, $5, $4::jsonb WHERE EXISTS (SELECT 1 FROM picked))
     UPDATE events SET status = 'batched', batch_id = $2, updated_at = now()
     FROM picked WHERE events.id = picked.id RETURNING events.id`,
    [
      now.toISOString(),
      batchId,
      max,
      JSON.stringify({ [firstStage]: { startedAt: now.toISOString() } }),
      firstStage,
    ],
  )
  return rows.map((row) => row.id)
}

export async function getBatch(db: Db, id: string): Promise<BatchRow | undefined> {
  const rows = await db.query<BatchRow>('SELECT * FROM batches WHERE id = $1', [id])
  return rows[0]
}

/** A batch without its plan, which can hold thousands of paths: what most checks need. */
export type BatchState = Omit<BatchRow, 'plan'>

export async function getBatchState(db: Db, id: string): Promise<BatchState | undefined> {
  const rows = await db.query<BatchState>(
    `SELECT id, created_at, status, stages, failed_stage, error, cdn_started_at, finished_at,
            trace_context
     FROM batches WHERE id = $1`,
    [id],
  )
  return rows[0]
}

/**
 * The changes of a batch still at `status`, read with the check in one round trip: undefined
 * when the batch is gone or elsewhere.
 */
export async function changesAt(
  db: Db,
  batchId: string,
  status: BatchStatus,
): Promise<unknown[] | undefined> {
  const rows = await db.query<{ status: BatchStatus; changes: unknown[] | null }>(
    `SELECT b.status, e.changes FROM batches b LEFT JOIN events e ON e.batch_id = b.id
     WHERE b.id = $1 ORDER BY e.received_at`,
    [batchId],
  )
  if (rows[0]?.status !== status) return undefined
  return rows.flatMap((row) => row.changes ?? [])
}

export async function savePlan(db: Db, batchId: string, plan: Plan) {
  await db.query('UPDATE batches SET plan = $2::jsonb WHERE id = $1', [
    batchId,
    JSON.stringify(plan),
  ])
}

/**
 * Ends one stage and starts the next. Stages passed over on the way are recorded with the
 * reason they were skipped. The batch's events follow it (see `eventColumns`): one row
 * written per stage, not one per event.
 */
export async function advanceBatch(
  db: Db,
  batchId: string,
  from: BatchStatus,
  to: BatchStatus,
  now: Date,
  skipped: Partial<Record<BatchStatus, string>> = {},
) {
  const stamp = now.toISOString()
  const patch: Record<string, unknown> = {}
  for (const [stage, reason] of Object.entries(skipped)) patch[stage] = { skipped: reason }
  if (to !== 'completed') patch[to] = { startedAt: stamp }
  const rows = await db.query<{ created_at: Date }>(
    `UPDATE batches SET status = $3,
       stages = stages || jsonb_build_object($2::text, coalesce(stages -> $2, '{}'::jsonb) || jsonb_build_object('endedAt', $4::text))
                       || $5::jsonb,
       cdn_started_at = CASE WHEN $3 = 'cdn' THEN coalesce(cdn_started_at, $4::timestamptz) ELSE cdn_started_at END,
       finished_at = CASE WHEN $3 = 'completed' THEN $4::timestamptz ELSE finished_at END
     WHERE id = $1 RETURNING created_at`,
    [batchId, from, to, stamp, JSON.stringify(patch)],
  )
  return rows[0]
}

/**
 * Fails a batch that has not ended. Answers whether this is the batch's first failure (a batch
 * retried by hand keeps its `failed_stage`), undefined when it had already ended.
 */
export async function failBatch(
  db: Db,
  batchId: string,
  stage: string,
  error: string,
  now: Date,
): Promise<{ first: boolean } | undefined> {
  const rows = await db.query<{ first: boolean }>(
    `UPDATE batches b SET status = 'failed', failed_stage = $2, error = $3, finished_at = $4
     FROM (SELECT failed_stage IS NULL AS first FROM batches WHERE id = $1) before
     WHERE b.id = $1 AND b.status NOT IN ('completed', 'failed') RETURNING before.first`,
    [batchId, stage, error, now.toISOString()],
  )
  return rows[0]
}

/** Puts a failed batch back at the stage that failed, for a retry by hand. */
export async function reopenBatch(db: Db, batchId: string): Promise<string | undefined> {
  const rows = await db.query<{ failed_stage: string }>(
    `UPDATE batches SET status = failed_stage, error = NULL, finished_at = NULL,
       cdn_started_at = CASE WHEN failed_stage = 'tracking' THEN now() ELSE cdn_started_at END
     WHERE id = $1 AND status = 'failed' AND failed_stage IS NOT NULL RETURNING failed_stage`,
    [batchId],
  )
  return rows[0]?.failed_stage
}

/**
 * Notes when a worker first picked up the stage's job (a tracking poll or a retry keeps the
 * first), while the batch is still at that stage; a later poll writes nothing.
 */
export async function notePickedUp(db: Db, batchId: string, stage: string, now: Date) {
  await db.query(
    `UPDATE batches SET stages = stages || jsonb_build_object($2::text,
       coalesce(stages -> $2, '{}'::jsonb) || jsonb_build_object('pickedUpAt', $3::text))
     WHERE id = $1 AND status = $2 AND (stages -> $2 -> 'pickedUpAt') IS NULL`,
    [batchId, stage, now.toISOString()],
  )
}

/** Adds facts to a stage's record (what the cdn stage did not send, say), keeping the rest. */
export async function noteStage(db: Db, batchId: string, stage: string, facts: object) {
  await db.query(
    `UPDATE batches SET stages = stages || jsonb_build_object($2::text,
       coalesce(stages -> $2, '{}'::jsonb) || $3::jsonb) WHERE id = $1`,
    [batchId, stage, JSON.stringify(facts)],
  )
}
