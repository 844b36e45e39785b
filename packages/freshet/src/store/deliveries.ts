import type { DeliveryStatus, PodAnswer } from '../core/domain.ts'
import type { Pod } from '../discovery/types.ts'
import type { Db } from './db.ts'

export interface DeliveryRow {
  batch_id: string
  pod_id: string
  pod_url: string
  status: DeliveryStatus
  attempts: number
  error: string | null
  answer: PodAnswer | null
  /** Every call to the pod, across stage retries: `{at, ms, ok, error}`. */
  attempt_log: { at: string; ms: number; ok: boolean; error?: string }[]
  started_at: Date
  finished_at: Date | null
}

export async function listDeliveries(db: Db, batchId: string): Promise<DeliveryRow[]> {
  return db.query<DeliveryRow>('SELECT * FROM pod_deliveries WHERE batch_id = $1 ORDER BY pod_id', [
    batchId,
  ])
}

export interface DeliveryResult {
  pod: Pod
  status: DeliveryStatus
  attempts: number
  error?: string | undefined
  answer?: PodAnswer | undefined
  startedAt?: string | undefined
  log?: DeliveryRow['attempt_log'] | undefined
}

/** Records one pod's result; attempts add up across stage retries. */
export async function recordDelivery(db: Db, batchId: string, result: DeliveryResult, now: Date) {
  await db.query(
    `INSERT INTO pod_deliveries (batch_id, pod_id, pod_url, status, attempts, error, answer, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $8)
     ON CONFLICT (batch_id, pod_id) DO UPDATE SET
       pod_url = excluded.pod_url, status = excluded.status,
       attempts = pod_deliveries.attempts + excluded.attempts,
       error = excluded.error, answer = coalesce(excluded.answer, pod_deliveries.answer),
       finished_at = excluded.finished_at`,
    [
      batchId,
      result.pod.id,
      result.pod.url,
      result.status,
      result.attempts,
      result.error ?? null,
      result.answer ? JSON.stringify(result.answer) : null,
      now.toISOString(),
    ],
  )
}

/**
 * Records a round of pod results in one statement (the pods stage writes them behind the round:
 * one row at a time made 200 pods cost 200 sequential writes). Same rules as `recordDelivery`:
 * attempts add up across stage retries.
 */
export async function recordDeliveries(
  db: Db,
  batchId: string,
  results: DeliveryResult[],
  now: Date,
) {
  const latest = new Map(results.map((result) => [result.pod.id, result]))
  if (latest.size === 0) return
  const rows = [...latest.values()].map((result) => ({
    pod_id: result.pod.id,
    pod_url: result.pod.url,
    status: result.status,
    attempts: result.attempts,
    error: result.error ?? null,
    answer: result.answer ?? null,
    started_at: result.startedAt ?? null,
    attempt_log: result.log ?? [],
  }))
  await db.query(
    `INSERT INTO pod_deliveries (batch_id, pod_id, pod_url, status, attempts, error, answer, attempt_log, started_at, finished_at)
     SELECT $1, r.pod_id, r.pod_url, r.status, r.attempts, r.error, r.answer, r.attempt_log,
            coalesce(r.started_at, $3), $3
     FROM jsonb_to_recordset($2::jsonb)
       AS r(pod_id text, pod_url text, status text, attempts integer, error text, answer jsonb,
            attempt_log jsonb, started_at timestamptz)
     ON CONFLICT (batch_id, pod_id) DO UPDATE SET
       pod_url = excluded.pod_url, status = excluded.status,
       attempts = pod_deliveries.attempts + excluded.attempts,
       error = excluded.error, answer = coalesce(excluded.answer, pod_deliveries.answer),
       attempt_log = pod_deliveries.attempt_log || excluded.attempt_log,
       finished_at = excluded.finished_at`,
    [batchId, JSON.stringify(rows), now.toISOString()],
  )
}
