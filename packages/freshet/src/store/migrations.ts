import { routeIndexMigration } from '../planner/route-index.ts'
import type { Db } from './db.ts'
import type { MigrationLike as Migration } from './migration-rules.ts'
import { parentEdgesMigration } from './parent-edges.ts'
import { reconcileCursorsMigration } from './reconcile.ts'
import { catchUpMigration } from './replay.ts'
import { seenSignaturesMigration } from './seen-signatures.ts'
import { traceContextMigration } from './trace-context.ts'

export type { MigrationLike as Migration } from './migration-rules.ts'

/**
 * freshet's own tables. Append only: a released migration never changes. Each only adds, so
 * the previous release keeps working while a rolling deploy migrates (`migration-rules.ts`).
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'events, batches, deliveries, invalidations',
    sql: `
      CREATE TABLE events (
        id text PRIMARY KEY,
        source text NOT NULL,
        received_at timestamptz NOT NULL,
        body_digest text NOT NULL,
        delivery_key text,
        changes jsonb NOT NULL,
        status text NOT NULL,
        not_before timestamptz,
        batch_id text,
        error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE UNIQUE INDEX events_delivery_key ON events (source, delivery_key) WHERE delivery_key IS NOT NULL;
      CREATE INDEX events_waiting ON events (received_at) WHERE status IN ('received', 'scheduled');
      CREATE INDEX events_recent ON events (received_at DESC, id DESC);
      CREATE INDEX events_batch ON events (batch_id);

      CREATE TABLE batches (
        id text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL,
        plan jsonb,
        stages jsonb NOT NULL DEFAULT '{}',
        failed_stage text,
        error text,
        cdn_started_at timestamptz,
        finished_at timestamptz
      );

      CREATE TABLE pod_deliveries (
        batch_id text NOT NULL,
        pod_id text NOT NULL,
        pod_url text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        error text,
        answer jsonb,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (batch_id, pod_id)
      );

      CREATE TABLE invalidations (
        batch_id text NOT NULL,
        distribution_id text NOT NULL,
        chunk integer NOT NULL,
        caller_reference text NOT NULL,
        invalidation_id text,
        status text NOT NULL,
        items integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (batch_id, distribution_id, chunk)
      );
    `,
  },
  { version: 2, ...routeIndexMigration },
  {
    version: 3,
    name: 'sweep watermarks',
    sql: `
      CREATE TABLE sweep_watermarks (
        name text PRIMARY KEY,
        swept_until timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  { version: 4, ...catchUpMigration },
  {
    version: 5,
    name: 'scheduled events by due date',
    // The collector asks for the next and the due scheduled events on every look.
    sql: `
      CREATE INDEX events_scheduled ON events (not_before)
        WHERE status IN ('received', 'scheduled') AND not_before IS NOT NULL;
    `,
  },
  { version: 6, ...seenSignaturesMigration },
  reconcileCursorsMigration,
  parentEdgesMigration,
  {
    version: 12,
    name: 'unfinished batches by age',
    // /metrics asks for the oldest unfinished event on every scrape: only the few open batches.
    sql: `
      CREATE INDEX batches_unfinished ON batches (created_at)
        WHERE status NOT IN ('completed', 'failed');
    `,
  },
  {
    version: 13,
    name: 'pod attempts; plans searchable by path and tag',
    // Each attempt of a pod call ({at, ms, ok, error}) for the page's waterfall; "what purged
    // this URL?" finds the plans holding a path or a tag through these indexes.
    sql: `
      ALTER TABLE pod_deliveries ADD COLUMN attempt_log jsonb NOT NULL DEFAULT '[]';
      CREATE INDEX batches_plan_paths ON batches USING gin ((plan -> 'paths') jsonb_path_ops);
      CREATE INDEX batches_plan_tags ON batches USING gin ((plan -> 'tags') jsonb_path_ops);
    `,
  },
  traceContextMigration,
  {
    version: 15,
    name: 'CDN create attempts',
    // Each attempt to create a chunk's invalidation ({at, ms, ok, error}), for the waterfall.
    sql: `ALTER TABLE invalidations ADD COLUMN attempt_log jsonb NOT NULL DEFAULT '[]';`,
  },
]

/**
 * The advisory lock (database-wide) that serialises replicas starting together: the schema's
 * creation, the migrations table and every migration run under it, so one creates or applies
 * and the others find it done. `IF NOT EXISTS` alone does not hold against concurrent creators.
 */
export const MIGRATION_LOCK = 7231001

/** Applies pending migrations in order, each in its own transaction. Safe to run concurrently. */
export async function migrate(db: Db, extra: Migration[] = []): Promise<number> {
  const all = [...migrations, ...extra].sort((a, b) => a.version - b.version)
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    await tx.exec(`CREATE TABLE IF NOT EXISTS freshet_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
  })
  let applied = 0
  for (const migration of all) {
    const done = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
      const found = await tx.query('SELECT 1 FROM freshet_migrations WHERE version = $1', [
        migration.version,
      ])
      if (found.length > 0) return false
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO freshet_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ])
      return true
    })
    if (done) applied++
  }
  return applied
}

export async function pendingMigrations(db: Db, extra: Migration[] = []): Promise<number> {
  const rows = await db
    .query<{ version: number }>('SELECT version FROM freshet_migrations')
    .catch(() => [] as { version: number }[])
  const done = new Set(rows.map((r) => r.version))
  return [...migrations, ...extra].filter((m) => !done.has(m.version)).length
}
