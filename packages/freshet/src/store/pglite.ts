import { PGlite, type Transaction } from '@electric-sql/pglite'
import { fromPglite } from 'pg-boss'
import type { Db } from './db.ts'

type Connection = PGlite | Transaction

function pgliteDb(conn: Connection, root: PGlite): Db {
  const db: Db = {
    kind: 'pglite',
    async query<T>(text: string, values?: unknown[]) {
      const result = await conn.query<T>(text, values)
      return result.rows
    },
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      // Already inside one: PGlite has a single session, nesting would deadlock on its lock.
      if (conn !== root) return fn(db)
      return root.transaction((tx) => fn(pgliteDb(tx, root)))
    },
    async exec(sql: string) {
      await conn.exec(sql)
    },
    boss: fromPglite(conn),
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
  return pgliteDb(pg, pg)
}
