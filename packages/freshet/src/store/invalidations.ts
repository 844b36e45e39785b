import type { CdnAttempt } from '../targets/attempts.ts'
import type { Db } from './db.ts'

export interface InvalidationRow {
  batch_id: string
  distribution_id: string
  chunk: number
  caller_reference: string
  invalidation_id: string | null
  status: string
  items: number
  created_at: Date
  completed_at: Date | null
  attempt_log: CdnAttempt[]
}

export interface InvalidationRecord {
  distributionId: string
  chunk: number
  callerReference: string
  invalidationId: string
  status: string
  items: number
  /** Each attempt to create it; a stage run again appends its own. */
  log?: CdnAttempt[] | undefined
}

/**
 * Records a chunk's invalidation. Answers whether it was already recorded (a retried stage
 * found it again), read in the same statement: the check used to be a round trip of its own.
 */
export async function recordInvalidation(
  db: Db,
  batchId: string,
  record: InvalidationRecord,
): Promise<{ known: boolean }> {
  const rows = await db.query<{ known: boolean }>(
    `WITH before AS (
       SELECT 1 FROM invalidations WHERE batch_id = $1 AND distribution_id = $2 AND chunk = $3
       AND invalidation_id IS NOT NULL)
     INSERT INTO invalidations (batch_id, distribution_id, chunk, caller_reference, invalidation_id, status, items, attempt_log)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
     ON CONFLICT (batch_id, distribution_id, chunk) DO UPDATE SET
       invalidation_id = excluded.invalidation_id, status = excluded.status,
       attempt_log = invalidations.attempt_log || excluded.attempt_log
     RETURNING EXISTS (SELECT 1 FROM before) AS known`,
    [
      batchId,
      record.distributionId,
      record.chunk,
      record.callerReference,
      record.invalidationId,
      record.status,
      record.items,
      JSON.stringify(record.log ?? []),
    ],
  )
  return { known: rows[0]?.known === true }
}

export async function listInvalidations(db: Db, batchId: string): Promise<InvalidationRow[]> {
  return db.query<InvalidationRow>(
    'SELECT * FROM invalidations WHERE batch_id = $1 ORDER BY distribution_id, chunk',
    [batchId],
  )
}

export async function markInvalidation(
  db: Db,
  batchId: string,
  distributionId: string,
  invalidationId: string,
  status: string,
  now: Date,
) {
  await db.query(
    `UPDATE invalidations SET status = $4,
       completed_at = CASE WHEN $4 = 'Completed' THEN coalesce(completed_at, $5::timestamptz) ELSE completed_at END
     WHERE batch_id = $1 AND distribution_id = $2 AND invalidation_id = $3`,
    [batchId, distributionId, invalidationId, status, now.toISOString()],
  )
}
