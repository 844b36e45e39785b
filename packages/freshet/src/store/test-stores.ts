import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Db } from './db.ts'
import { openPglite } from './pglite.ts'
import { openPostgres } from './postgres.ts'

/** For tests: the stores to run against, PGlite always, PostgreSQL where a server answers. */
export interface TestStore {
  name: 'pglite' | 'postgres'
  /** A fresh, empty store: in-memory PGlite, or a schema of its own on PostgreSQL. */
  open(): Promise<{ db: Db; schema: string; url?: string }>
}

export const postgresUrl =
  process.env.FRESHET_TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test'

export async function postgresReachable(url = postgresUrl): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * A schema name of its own. Under `npm test` it starts with the run's prefix, which the global
 * teardown drops, so test runs leave no schemas behind on a shared server.
 */
export const uniqueSchema = () => `t_${runPrefix()}${randomUUID().replaceAll('-', '').slice(0, 16)}`

const runPrefix = () => (process.env.FRESHET_TEST_RUN ? `${process.env.FRESHET_TEST_RUN}_` : '')

/** Drops a test's or bench run's schemas on PostgreSQL (freshet's and pg-boss's). */
export async function dropSchemas(url: string, schema: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await client.query(`DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`)
  } finally {
    await client.end()
  }
}

/** Drops every schema a test run made (see `uniqueSchema`); none, when no server answers. */
export async function dropRunSchemas(url: string, run: string) {
  if (!/^[0-9a-f]+$/.test(run) || !(await postgresReachable(url))) return
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)`,
      [`t_${run}_`],
    )
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
  } finally {
    await client.end()
  }
}

/**
 * The PostgreSQL URL for a test's PostgreSQL part, or undefined when no server answers. CI has
 * one, so there (CI=true) a missing server fails the test file; elsewhere the file says plainly
 * on stderr that its PostgreSQL part does not run, rather than passing in silence.
 */
export async function testPostgres(what: string): Promise<string | undefined> {
  if (await postgresReachable()) return postgresUrl
  if (process.env.CI) throw new Error(`[freshet] [test] CI must reach PostgreSQL at ${postgresUrl}`)
  console.warn(
    `[freshet] [test] ${what}: NOT RUN on PostgreSQL: no server answers at ${postgresUrl} ` +
      '(set FRESHET_TEST_DATABASE_URL; under CI=true this fails)',
  )
  return undefined
}

export async function testStores(what = 'store tests'): Promise<TestStore[]> {
  const stores: TestStore[] = [
    { name: 'pglite', open: async () => ({ db: await openPglite(), schema: 'public' }) },
  ]
  const url = await testPostgres(what)
  if (url) {
    stores.push({
      name: 'postgres',
      open: async () => {
        const schema = uniqueSchema()
        return { db: await openPostgres(url, schema, 4), schema, url }
      },
    })
  }
  return stores
}
