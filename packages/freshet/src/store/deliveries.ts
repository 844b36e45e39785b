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
