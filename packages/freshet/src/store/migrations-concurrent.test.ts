import { afterAll, describe, expect, it } from 'vitest'
import { createBoss } from '../pipeline/runtime.ts'
import type { Db } from './db.ts'
import { migrate, migrations } from './migrations.ts'
import { openPostgres } from './postgres.ts'
import { dropSchemas, postgresUrl, testPostgres, uniqueSchema } from './test-stores.ts'

// Replicas of a Deployment start together on a fresh database. Before this test, one of three
// crashed in 3 of 16 trials: `CREATE SCHEMA IF NOT EXISTS` and the migrations table ran before
// the advisory lock, and `IF NOT EXISTS` does not hold against concurrent creators.
const REPLICAS = 3
const TRIALS = 20

/** What `freshet serve` does with the store before it serves: open, migrate, start pg-boss. */
async function startReplica(schema: string): Promise<Db> {
  const db = await openPostgres(postgresUrl, schema, 2)
  try {
    await migrate(db)
    const boss = createBoss(db, { url: postgresUrl, schema })
    boss.on('error', () => {})
    await boss.start()
    await boss.stop({ graceful: false, close: true })
    return db
  } catch (error) {
    await db.close()
    throw error
  }
}

const reachable = (await testPostgres('replicas starting together')) !== undefined
const made: string[] = []
afterAll(async () => {
  for (const schema of made) await dropSchemas(postgresUrl, schema)
})

describe.runIf(reachable)('replicas starting together on a fresh schema', () => {
  it(`${REPLICAS} replicas × ${TRIALS} trials: none crashes, each migration applied once`, async () => {
    const crashes: string[] = []
    for (let trial = 0; trial < TRIALS; trial++) {
      const schema = uniqueSchema()
      made.push(schema)
      const started = await Promise.allSettled(
        Array.from({ length: REPLICAS }, () => startReplica(schema)),
      )
      for (const result of started) {
        if (result.status === 'rejected') crashes.push(`trial ${trial}: ${String(result.reason)}`)
        else {
          const rows = await result.value.query<{ version: number }>(
            'SELECT version FROM freshet_migrations ORDER BY version',
          )
          expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version))
          await result.value.close()
        }
      }
    }
    expect(crashes).toEqual([])
  }, 240_000)
})
