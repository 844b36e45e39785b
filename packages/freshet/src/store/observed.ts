/**
 * What the metrics read from the store at scrape time: how old the oldest unfinished work is,
 * and what this month's invalidations sent to each distribution. One statement each.
 */
import type { Db } from './db.ts'

export interface Backlog {
  /** Seconds since the oldest event that is not in a batch yet (scheduled ones not counted). */
  waitingSeconds: number
  /** Seconds since the oldest event whose batch has not ended (completed or failed). */
  unfinishedSeconds: number
}

/** Ages of the oldest waiting and the oldest unfinished event; 0 when there is none. */
export async function backlogAges(db: Db, now: Date): Promise<Backlog> {
  const rows = await db.query<{ waiting: Date | null; unfinished: Date | null }>(
    `SELECT
       (SELECT min(received_at) FROM events
         WHERE status = 'received') AS waiting,
       (SELECT min(e.received_at) FROM batches b JOIN events e ON e.batch_id = b.id
         WHERE b.status NOT IN ('completed', 'failed')) AS unfinished`,
  )
  const age = (at: Date | null | undefined) =>
    at ? Math.max(0, (now.getTime() - new Date(at).getTime()) / 1000) : 0
  const waiting = age(rows[0]?.waiting)
  return { waitingSeconds: waiting, unfinishedSeconds: Math.max(waiting, age(rows[0]?.unfinished)) }
}

/** Paths (wildcards and tags one each) sent per distribution since `from` (a month's start). */
export async function pathsSentSince(db: Db, from: Date): Promise<Map<string, number>> {
  const rows = await db.query<{ distribution_id: string; paths: string }>(
    `SELECT distribution_id, sum(items) AS paths FROM invalidations
     WHERE invalidation_id IS NOT NULL AND created_at >= $1 GROUP BY distribution_id`,
    [from.toISOString()],
  )
  return new Map(rows.map((r) => [r.distribution_id, Number(r.paths)]))
}
