/**
 * Catch-up of late pods: what to replay to a pod built at a given time, and the pods known to
 * be current (`pod_catchups`). A pod is current once it confirmed the replay; until then it
 * is `catching-up` (with the last error, if any), and `failed` after every retry.
 */
import type { Pod } from '../discovery/types.ts'
import type { Db } from './db.ts'

export const catchUpMigration = {
  name: 'pod catch-ups',
  sql: `
    CREATE TABLE pod_catchups (
      pod_id text PRIMARY KEY,
      pod_url text NOT NULL,
      status text NOT NULL,
      joined_at timestamptz NOT NULL,
      build_id text,
      build_time timestamptz,
      batches integer,
      paths integer,
      tags integer,
      attempts integer NOT NULL DEFAULT 0,
      error text,
      caught_up_at timestamptz
    );
    CREATE INDEX batches_created ON batches (created_at);
  `,
}

export type CatchUpStatus = 'catching-up' | 'current' | 'failed'

export interface CatchUpRow {
  pod_id: string
  pod_url: string
  status: CatchUpStatus
  joined_at: Date
  build_id: string | null
  build_time: Date | null
  batches: number | null
  paths: number | null
  tags: number | null
  attempts: number
  error: string | null
  caught_up_at: Date | null
}

export interface Replay {
  /** Batches whose plans are replayed. */
  batches: number
  paths: string[]
  tags: string[]
}

/**
 * Every path and tag of the plans of batches created at or after `since`, each once, sorted.
 * A batch still planning has no plan yet: its own pods stage will reach the pod.
 */
export async function replaySince(db: Db, since: Date): Promise<Replay> {
  const params = [since.toISOString()]
  const recent = `SELECT plan FROM batches WHERE plan IS NOT NULL AND created_at >= $1`
  const [counted] = await db.query<{ batches: number }>(
    `SELECT count(*)::int AS batches FROM (${recent}) b`,
    params,
  )
  const items = await db.query<{ kind: 'path' | 'tag'; value: string }>(
    `SELECT DISTINCT 'path' AS kind, e ->> 'value' AS value
       FROM (${recent}) b, jsonb_array_elements(coalesce(b.plan -> 'paths', '[]'::jsonb)) e
     UNION
     SELECT DISTINCT 'tag' AS kind, e ->> 'value' AS value
       FROM (${recent}) b, jsonb_array_elements(coalesce(b.plan -> 'tags', '[]'::jsonb)) e
     ORDER BY kind, value`,
    params,
  )
  return {
    batches: counted?.batches ?? 0,
    paths: items.filter((i) => i.kind === 'path').map((i) => i.value),
    tags: items.filter((i) => i.kind === 'tag').map((i) => i.value),
  }
}

/** Pods that confirmed their catch-up at the URL they have now. */
export async function currentPods(db: Db): Promise<Pod[]> {
  const rows = await db.query<{ id: string; url: string }>(
    `SELECT pod_id AS id, pod_url AS url FROM pod_catchups WHERE status = 'current'`,
  )
  return rows
}

export async function listCatchUps(db: Db): Promise<CatchUpRow[]> {
  return db.query<CatchUpRow>('SELECT * FROM pod_catchups ORDER BY pod_id')
}

/** A pod appeared: it is catching up until it confirms the replay (a new row either way). */
/**
 * Records that `pod` joined, unless the fleet already knows it at this URL (another replica saw
 * it first, or its catch-up is done): true when this call (re)opened its catch-up. Every replica
 * watches the same pods; the row lock of the upsert lets one of them win.
 */
export async function markJoined(db: Db, pod: Pod, now: Date): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO pod_catchups (pod_id, pod_url, status, joined_at) VALUES ($1, $2, 'catching-up', $3)
     ON CONFLICT (pod_id) DO UPDATE SET pod_url = excluded.pod_url, status = 'catching-up',
       joined_at = excluded.joined_at, build_id = NULL, build_time = NULL, batches = NULL,
       paths = NULL, tags = NULL, attempts = 0, error = NULL, caught_up_at = NULL
     WHERE pod_catchups.pod_url <> excluded.pod_url OR pod_catchups.status = 'failed'
     RETURNING pod_id`,
    [pod.id, pod.url, now.toISOString()],
  )
  return rows.length > 0
}

export async function markCaughtUp(
  db: Db,
  pod: Pod,
  build: { buildId: string; buildTime: string },
  replay: Replay,
  now: Date,
) {
  await db.query(
    `UPDATE pod_catchups SET status = 'current', build_id = $3, build_time = $4, batches = $5,
       paths = $6, tags = $7, attempts = attempts + 1, error = NULL, caught_up_at = $8
     WHERE pod_id = $1 AND pod_url = $2`,
    [
      pod.id,
      pod.url,
      build.buildId,
      build.buildTime,
      replay.batches,
      replay.paths.length,
      replay.tags.length,
      now.toISOString(),
    ],
  )
}

/** An attempt failed; `final` when no retry follows. */
export async function markCatchUpError(db: Db, pod: Pod, error: string, final: boolean) {
  await db.query(
    `UPDATE pod_catchups SET attempts = attempts + 1, error = $3,
       status = CASE WHEN $4::boolean THEN 'failed' ELSE status END
     WHERE pod_id = $1 AND pod_url = $2`,
    [pod.id, pod.url, error, final],
  )
}

/** Forgets pods discovery no longer lists: should one come back, it catches up again. */
export async function forgetPodsExcept(db: Db, present: Pod[]) {
  await db.query(`DELETE FROM pod_catchups WHERE NOT (pod_id = ANY($1::text[]))`, [
    present.map((pod) => pod.id),
  ])
}
