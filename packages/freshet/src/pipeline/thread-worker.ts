/**
 * The pipeline thread (see `thread.ts`): the stages' workers, the collector and the sweep, on a
 * pool of their own. Only with PostgreSQL: the embedded store is opened by one thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../config/schema.ts'
import { startTracing, stopTracing } from '../observability/tracing.ts'
import { createLifecycle, LIFECYCLE_EVENT_NAMES } from './lifecycle.ts'
import { createNudgeGate } from './nudge-gate.ts'
import type { FromPipelineThread, ToPipelineThread } from './thread.ts'

// This thread's own SDK (spans made here are exported from here), started before pg and the
// AWS SDK are loaded, so their instrumentations patch this thread's copies.
await startTracing()
const { openPostgres } = await import('../store/postgres.ts')
const { buildPipeline } = await import('./build.ts')

const port = parentPort
const { config, nudgeGate } = workerData as { config: Config; nudgeGate: SharedArrayBuffer }
if (!port || !config.store.url)
  throw new Error('[freshet] [pipeline] thread-worker.ts runs as the PostgreSQL pipeline thread')

const post = (message: FromPipelineThread) => port.postMessage(message)

/** Errors cross as their message and stack: a client's error may hold sockets, not clonable. */
function plainError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error))
  const causes: string[] = []
  for (let c: unknown = error.cause; c instanceof Error && causes.length < 5; c = c.cause)
    causes.push(c.message)
  const plain = new Error([error.message, ...causes].join(': '))
  plain.name = error.name
  if (error.stack) plain.stack = error.stack
  return plain
}

const lifecycle = createLifecycle()
for (const name of LIFECYCLE_EVENT_NAMES) {
  lifecycle.on(name, (payload: object) => {
    const plain =
      name === 'pipeline:error' && 'error' in payload
        ? { ...payload, error: plainError(payload.error) }
        : payload
    post({ type: 'lifecycle', name, payload: plain })
  })
}

const db = await openPostgres(config.store.url, config.store.schema)
const gate = createNudgeGate(nudgeGate)
const built = await buildPipeline(config, db, lifecycle, () => new Date(), {
  onCollectorLook: gate.open,
})

port.on('message', async (message: ToPipelineThread) => {
  if (message.type === 'nudge') built.pipeline.nudge()
  if (message.type === 'retry') {
    try {
      post({
        type: 'answer',
        call: message.call,
        stage: await built.pipeline.retry(message.batchId),
      })
    } catch (error) {
      post({ type: 'answer', call: message.call, error: plainError(error).message })
    }
  }
  if (message.type === 'stop') {
    await built.stop()
    await db.close()
    await stopTracing()
    post({ type: 'stopped' })
    port.close()
  }
})
post({ type: 'ready' })
