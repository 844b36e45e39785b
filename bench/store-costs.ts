/**
 * What an event costs PostgreSQL itself, step by step: the webhook's insert (in batches of 100,
 * as intake batches under load), the collector's claim into batches (up to 5,000 at a time), and
 * the reads of the batch's changes and of its events at the end. CPU is read from the server
 * process serving this bench's one connection (`/proc/<pid>/stat`, so PostgreSQL must run on
 * this machine); wall time is what the client waited. Three rounds of 10,000 events.
 * Run: `node bench/store-costs.ts` (127.0.0.1:5432 db `test`, or FRESHET_TEST_DATABASE_URL).
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { changesAt, claimIntoBatch } from '../packages/freshet/src/store/batches.ts'
import { eventsOfBatch, insertEvents, type NewEvent } from '../packages/freshet/src/store/events.ts'
import { migrate } from '../packages/freshet/src/store/migrations.ts'
import { openPostgres } from '../packages/freshet/src/store/postgres.ts'
import {
  dropSchemas,
  postgresReachable,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { processCpu } from './lib/postgres-cpu.ts'

const EVENTS = 10_000
const INSERT_BATCH = 100
const CLAIM_BATCH = 5_000

if (!(await postgresReachable())) {
  console.log('[bench] [store-costs] PostgreSQL is not reachable; nothing measured')
  process.exit(0)
}
const schema = uniqueSchema()
const db = await openPostgres(postgresUrl, schema, 1)
await migrate(db)
const [backend] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
if (!backend) throw new Error('[bench] [store-costs] no backend pid')
const { pid } = backend

/** The backend's CPU so far, in µs. */
function backendCpuUs() {
  const cpu = processCpu(pid)
  if (!cpu) throw new Error(`[bench] [store-costs] backend ${pid} is gone`)
  return cpu.ms * 1000
}

const event = (i: number): NewEvent => ({
  id: randomUUID(),
  source: 'generic',
  receivedAt: new Date(),
  bodyDigest: `sha256:${'0'.repeat(64)}`,
  deliveryKey: undefined,
  changes: [{ kind: 'purge', source: 'generic', paths: [`/articles/${i}`, '/'], tags: [`a:${i}`] }],
  notBefore: undefined,
})

/** PostgreSQL CPU and client wait per event, in µs, over `events` events. */
async function perEvent(events: number, work: () => Promise<void>) {
  const cpu = backendCpuUs()
  const started = performance.now()
  await work()
  return {
    cpu: (backendCpuUs() - cpu) / events,
    wall: ((performance.now() - started) * 1000) / events,
  }
}

const rows: string[] = []
for (let round = 1; round <= 3; round++) {
  const insert = await perEvent(EVENTS, async () => {
    for (let i = 0; i < EVENTS; i += INSERT_BATCH)
      await insertEvents(
        db,
        Array.from({ length: INSERT_BATCH }, (_, j) => event(i + j)),
      )
  })
  const batchIds: string[] = []
  const claim = await perEvent(EVENTS, async () => {
    for (;;) {
      const batchId = randomUUID()
      const claimed = await claimIntoBatch(db, batchId, new Date(), CLAIM_BATCH, 'planning')
      if (claimed.length > 0) batchIds.push(batchId)
      if (claimed.length < CLAIM_BATCH) break
    }
  })
  // The pipeline's own reads: planning's changes, and the events its end announces.
  const reads = await perEvent(EVENTS, async () => {
    for (const id of batchIds) {
      await changesAt(db, id, 'planning')
      await eventsOfBatch(db, id)
    }
  })
  const cell = (m: { cpu: number; wall: number }) => `${m.cpu.toFixed(1)} / ${m.wall.toFixed(1)}`
  rows.push(`| ${round} | ${cell(insert)} | ${cell(claim)} | ${cell(reads)} |`)
}
await db.close()
await dropSchemas(postgresUrl, schema)

console.log(
  `\nPostgreSQL's cost per event, µs (server CPU / client wait): insert in batches of ${INSERT_BATCH}, claim up to ${CLAIM_BATCH} at a time, the batch's reads\n`,
)
console.log('| round | insert | claim | reads |')
console.log('| ---: | ---: | ---: | ---: |')
for (const row of rows) console.log(row)
