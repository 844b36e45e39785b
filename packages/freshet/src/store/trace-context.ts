import type { Db } from './db.ts'
import type { MigrationLike } from './migration-rules.ts'

/**
 * A W3C `traceparent` stored with each event and batch (null when nothing traced it), so the
 * stages of a batch, run later and maybe elsewhere, continue the webhook's trace.
 */
export const traceContextMigration: MigrationLike = {
  version: 14,
  name: 'trace context of events and batches',
  sql: `
    ALTER TABLE events ADD COLUMN trace_context text;
    ALTER TABLE batches ADD COLUMN trace_context text;
  `,
}

/** The trace contexts of a batch's events, oldest first (at most `limit`). */
export async function eventTraceContexts(db: Db, batchId: string, limit: number) {
  const rows = await db.query<{ trace_context: string }>(
    `SELECT trace_context FROM events WHERE batch_id = $1 AND trace_context IS NOT NULL
     ORDER BY received_at, id LIMIT $2`,
    [batchId, limit],
  )
  return rows.map((row) => row.trace_context)
}

export async function setBatchTraceContext(db: Db, batchId: string, traceparent: string) {
  await db.query('UPDATE batches SET trace_context = $2 WHERE id = $1', [batchId, traceparent])
}

export async function batchTraceContext(db: Db, batchId: string): Promise<string | undefined> {
  const rows = await db.query<{ trace_context: string | null }>(
    'SELECT trace_context FROM batches WHERE id = $1',
    [batchId],
  )
  return rows[0]?.trace_context ?? undefined
}
