import { PGlite, type Transaction } from '@electric-sql/pglite'
import { type Db as BossDb, fromPglite } from 'pg-boss'
import { inQuerySpan } from '../observability/db-spans.ts'
import type { Db, QueryOptions } from './db.ts'

type Connection = PGlite | Transaction

/** pg-boss's queries through the same spans as freshet's own (its job handlers run in a trace). */
function tracedBoss(boss: BossDb, schema: string): BossDb {
  return {
    ...boss,
    executeSql: (text, values) => inQuerySpan(schema, text, () => boss.executeSql(text, values)),
  }
}

function pgliteDb(conn: Connection, root: PGlite, schema: string): Db {
  const db: Db = {
    kind: 'pglite',
    async query<T>(text: string, values?: unknown[], options?: QueryOptions) {
      const run = () => conn.query<T>(text, values)
      const result = await inQuerySpan(schema, text, run, options?.name)
      return result.rows
    },
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      // Already inside one: PGlite has a single session, nesting would deadlock on its lock.
      if (conn !== root) return fn(db)
      return root.transaction((tx) => fn(pgliteDb(tx, root, schema)))
    },
    async exec(sql: string) {
      await inQuerySpan(schema, sql, () => conn.exec(sql))
    },
    boss: tracedBoss(fromPglite(conn), schema),
    async close() {
      if (conn === root && !root.closed) await root.close()
    },
  }
  return db
}

/**
 * The embedded store: PGlite in `dataDir` (in memory when absent). One process owns a data
 * directory at a time; pg-boss shares the same instance through `db.boss`.
 */
export async function openPglite(dataDir?: string, schema = 'public'): Promise<Db> {
  const pg = await PGlite.create(dataDir ? { dataDir } : {})
  if (schema !== 'public') {
    await pg.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`)
  }
  return pgliteDb(pg, pg, schema)
}
