/**
 * What a bench's parent shares with the servers it forks. Kept apart from the server scripts:
 * importing one of those would run it (a whole freshet service) inside the load generator.
 */
import pg from 'pg'

export const HOOK_TOKEN = 'bench-hook-token-0123456789'

/** What a bench server answers on 'sample': its CPU so far, and timings since the last sample. */
export interface ServerSample {
  /** The process's CPU time so far (user + system), in ms. */
  cpuMs: number
  /** Event-loop delay: how long work that was ready waited for the loop. */
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  /** From the app's handler being called to its answer: what the server itself took. */
  handledP50Ms: number
  handledP99Ms: number
}

/** Drops a bench run's schemas (freshet's and pg-boss's). */
export async function dropSchemas(url: string, schema: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.query(`DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`)
  await client.end()
}
