/**
 * Counts the SQL statements freshet and pg-boss send over `pg`, in every thread (the pipeline
 * thread included), and prints the total when the process exits. Run a bench under it:
 * `STORE=postgres node --import ./bench/lib/count-statements.ts bench/overhead.ts`; statements
 * per event are the difference between two runs with different EVENTS, over their difference.
 * PGlite's statements are not counted.
 */
import { BroadcastChannel, isMainThread } from 'node:worker_threads'
import pg from 'pg'

const channel = new BroadcastChannel('freshet-bench-statements')
channel.unref()
let mine = 0
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  mine++
  // Another thread's count reaches the main thread statement by statement: it may end abruptly.
  if (!isMainThread) channel.postMessage(1)
  return query.apply(this, args)
} as never

if (isMainThread) {
  let others = 0
  channel.onmessage = () => {
    others++
  }
  process.on('exit', () => {
    console.log(
      `\nSQL statements over pg: ${mine + others} (main thread ${mine}, other threads ${others})`,
    )
  })
}
