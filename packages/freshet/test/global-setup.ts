import { randomBytes } from 'node:crypto'
import { dropRunSchemas, postgresUrl } from '../src/store/test-stores.ts'

/**
 * Gives the run a prefix for its PostgreSQL schemas (the test processes inherit it) and drops
 * them all at the end, whatever each test did or failed to do.
 */
export function setup() {
  const run = randomBytes(4).toString('hex')
  process.env.FRESHET_TEST_RUN = run
  return async () => {
    await dropRunSchemas(postgresUrl, run)
  }
}
