import pg from 'pg'
import { type ConnectRetry, connectWithRetry } from './connect-error.ts'
import type { Db, QueryOptions } from './db.ts'
import { MIGRATION_LOCK } from './migrations.ts'
import { listenPostgres } from './postgres-listen.ts'

type Result = { rows: unknown[] } | { rows: unknown[] }[]

interface Queryable {
  query(text: string, values?: unknown[]): Promise<Result>
  query(config: { name: string; text: string; values?: unknown[] | undefined }): Promise<Result>
}

// A multi-statement text without parameters answers one result per statement.
function rowsOf(result: Result): unknown[] {
  return Array.isArray(result) ? result.flatMap((r) => r.rows ?? []) : result.rows
}

function clientDb(
  client: Queryable,
  transaction: Db['transaction'],
  close: () => Promise<void>,
  listen?: Db['listen'],
) {
  const db: Db = {
    kind: 'postgres',
    async query<T>(text: string, values?: unknown[], options?: QueryOptions) {
      const result = options?.name
        ? await client.query({ name: options.name, text, values })
        : await client.query(text, values)
      return rowsOf(result) as T[]
    },
    transaction,
    async exec(sql: string) {
      await client.query(sql)
    },
    boss: {
      executeSql: async (text: string, values?: unknown[]) => ({
        rows: rowsOf(await client.query(text, values)) as never[],
      }),
    },
    close,
    ...(listen && { listen }),
  }
  return db
}

/**
 * PostgreSQL through a pool; `schema` sets the search path of every connection. The first
 * connection is retried while the server is not up, for `retry.forMs` (a pod may start before
 * its database); what fails says where and why (`connect-error.ts`).
 */
export async function openPostgres(
  url: string,
  schema = 'public',
  max = 10,
  retry?: ConnectRetry,
): Promise<Db> {
  const quoted = `"${schema.replaceAll('"', '""')}"`
  const bootstrap = await connectWithRetry(
    url,
    async () => {
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => {})
      try {
        await client.connect()
      } catch (error) {
        await client.end().catch(() => {})
        throw error
      }
      return client
    },
    retry,
  )
  try {
    // `IF NOT EXISTS` does not hold against a concurrent creator (replicas starting together
    // both insert into pg_namespace, and one fails): create it under the migrations' lock.
    await bootstrap.query('BEGIN')
    await bootstrap.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`)
    await bootstrap.query('COMMIT')
  } finally {
    await bootstrap.end()
  }
  const pool = new pg.Pool({ connectionString: url, max, options: `-c search_path=${quoted}` })
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {})

  const transaction = async <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    const client = await pool.connect()
    const inner: Db = clientDb(
      client as Queryable,
      (f) => f(inner),
      async () => {},
    )
    try {
      await client.query('BEGIN')
      const result = await fn(inner)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }
  return clientDb(
    pool as Queryable,
    transaction,
    () => pool.end(),
    (channel, handlers) => listenPostgres(url, channel, handlers),
  )
}
