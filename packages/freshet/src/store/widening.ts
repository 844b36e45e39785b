/**
 * What widening reads and writes: the work waiting ahead of a batch on a distribution, and the
 * batch's decision (kept, so a retried cdn stage sends the same items under the same
 * CallerReferences), with its notes added to the plan's.
 */
import type { PlanNote } from '../core/domain.ts'
import type { Db } from './db.ts'

export interface WaitingBatch {
  /** The widened items, when this batch was widened on the distribution. */
  widened: string[] | null
  /** Paths and tags in its plan. */
  planned: number
  /** Items already submitted on the distribution. */
  submitted: number
}

/**
 * Batches in the cdn stage that entered it before this one (they submit first), with what they
 * planned, what they were widened to and what they already submitted on `distributionId`.
 */
export async function waitingAhead(
  db: Db,
  batchId: string,
  distributionId: string,
): Promise<WaitingBatch[]> {
  const rows = await db.query<{ widened: string[] | null; planned: number; submitted: string }>(
    `WITH mine AS (SELECT coalesce(cdn_started_at, created_at) AS at FROM batches WHERE id = $1)
     SELECT b.stages -> 'cdn' -> 'widen' -> $2 -> 'items' AS widened,
       jsonb_array_length(coalesce(b.plan -> 'paths', '[]')) + jsonb_array_length(coalesce(b.plan -> 'tags', '[]')) AS planned,
       (SELECT coalesce(sum(i.items), 0) FROM invalidations i
         WHERE i.batch_id = b.id AND i.distribution_id = $2 AND i.invalidation_id IS NOT NULL) AS submitted
     FROM batches b, mine
     WHERE b.status = 'cdn' AND b.status NOT IN ('completed', 'failed') AND b.id <> $1
       AND coalesce(b.cdn_started_at, b.created_at) <= mine.at`,
    [batchId, distributionId],
  )
  return rows.map((r) => ({ ...r, planned: Number(r.planned), submitted: Number(r.submitted) }))
}

/**
 * Keeps a batch's decision on a distribution: `items` when widened (with the notes added to the
 * plan), none when it was sent as planned.
 */
export async function recordWidening(
  db: Db,
  batchId: string,
  distributionId: string,
  decision: { items?: string[]; notes: PlanNote[] },
) {
  const kept = decision.items ? { items: decision.items } : {}
  await db.query(
    `UPDATE batches SET
       stages = jsonb_set(stages, '{cdn}', coalesce(stages -> 'cdn', '{}') || jsonb_build_object('widen',
         coalesce(stages -> 'cdn' -> 'widen', '{}') || jsonb_build_object($2::text, $3::jsonb))),
       plan = CASE WHEN jsonb_array_length($4::jsonb) = 0 THEN plan
         ELSE jsonb_set(plan, '{notes}', coalesce(plan -> 'notes', '[]') || $4::jsonb) END
     WHERE id = $1`,
    [batchId, distributionId, JSON.stringify(kept), JSON.stringify(decision.notes)],
  )
}
