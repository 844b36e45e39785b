import { Worker } from 'node:worker_threads'
import type { Config } from '../config/schema.ts'
import type { Db } from '../store/db.ts'
import type { BuiltPipeline } from './build.ts'
import { createIntakeWriter } from './intake.ts'
import type { Lifecycle, LifecycleEvents } from './lifecycle.ts'
import { createNudgeGate } from './nudge-gate.ts'

/** What the main thread tells the pipeline thread. */
export type ToPipelineThread =
  | { type: 'nudge' }
  | { type: 'retry'; call: number; batchId: string }
  | { type: 'stop' }

/** What the pipeline thread tells the main thread. */
export type FromPipelineThread =
  | { type: 'ready' }
  | { type: 'lifecycle'; name: keyof LifecycleEvents; payload: unknown }
  | { type: 'answer'; call: number; stage?: string | undefined; error?: string }
  | { type: 'stopped' }

const RESTART_DELAY_MS = 1_000

// Compiled, the worker is a .js file beside this one; from the sources, Node runs the .ts.
const WORKER_FILE = new URL(
  import.meta.url.endsWith('.ts') ? './thread-worker.ts' : './thread-worker.js',
  import.meta.url,
)

/**
 * The pipeline's workers in a worker thread with their own pool; webhooks are still written
 * here, so a 2xx still means committed. The events table is the hand-over: a nudge after a
 * commit makes the thread look at once (one per look, through a shared gate: `nudge-gate.ts`),
 * and it looks every second anyway. Its lifecycle events are emitted again here, for logs,
 * metrics and the page. If the thread dies it is started again: what it was doing is in the
 * store.
 */
export async function startPipelineThread(
  config: Config,
  db: Db,
  lifecycle: Lifecycle,
  workerFile: URL = WORKER_FILE,
): Promise<BuiltPipeline> {
  let worker: Worker | undefined
  // Until the first thread is ready, a failure is the caller's (the service does not start).
  let running = false
  let stopping = false
  let calls = 0
  const gate = createNudgeGate()
  const pending = new Map<
    number,
    { resolve: (stage?: string) => void; reject: (e: Error) => void }
  >()

  const onMessage = (message: FromPipelineThread) => {
    if (message.type === 'lifecycle') {
      ;(lifecycle.emit as (name: string, payload: unknown) => boolean)(
        message.name,
        message.payload,
      )
    } else if (message.type === 'answer') {
      const call = pending.get(message.call)
      pending.delete(message.call)
      if (message.error) call?.reject(new Error(message.error))
      else call?.resolve(message.stage)
    }
  }

  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const started = new Worker(workerFile, { workerData: { config, nudgeGate: gate.buffer } })
      started.on('message', (message: FromPipelineThread) => {
        if (message.type === 'ready') resolve(started)
        else onMessage(message)
      })
      started.once('error', (error) => {
        reject(error)
        lifecycle.emit('pipeline:error', { where: 'pipeline thread', error })
      })
      started.once('exit', (code) => {
        reject(
          new Error(`[freshet] [pipeline] the pipeline thread exited (${code}) while starting`),
        )
        for (const call of pending.values()) call.reject(new Error('the pipeline thread stopped'))
        pending.clear()
        if (worker === started) worker = undefined
        if (running && !stopping) setTimeout(restart, RESTART_DELAY_MS).unref()
      })
    })

  const restart = () => {
    if (stopping) return
    start().then(
      (started) => {
        // Stopped while this one was starting: it would run on, unowned.
        if (stopping) void started.terminate()
        else worker = started
      },
      () => {},
    )
  }

  worker = await start()
  running = true
  const nudge = () => {
    if (gate.take()) worker?.postMessage({ type: 'nudge' } satisfies ToPipelineThread)
  }
  const intake = createIntakeWriter(db, nudge, {
    onSplit: (split) => lifecycle.emit('intake:split', split),
  })
  const send = (message: ToPipelineThread) => {
    if (!worker) throw new Error('[freshet] [pipeline] the pipeline thread is restarting')
    worker.postMessage(message)
  }

  return {
    pipeline: {
      accept: (event) => intake.write(event),
      nudge,
      retry: (batchId) =>
        new Promise((resolve, reject) => {
          const call = ++calls
          pending.set(call, { resolve, reject })
          try {
            send({ type: 'retry', call, batchId })
          } catch (error) {
            pending.delete(call)
            reject(error)
          }
        }),
      stop: () => stopThread(),
    },
    sweeper: undefined,
    // Reconciliation runs in the thread, with the pipeline it feeds.
    reconciler: undefined,
    stop: () => stopThread(),
  }

  async function stopThread() {
    if (stopping) return
    stopping = true
    await intake.drain()
    const current = worker
    if (!current) return
    const exited = new Promise((resolve) => current.once('exit', resolve))
    const stopped = new Promise<void>((resolve) =>
      current.on('message', (m: FromPipelineThread) => m.type === 'stopped' && resolve()),
    )
    current.postMessage({ type: 'stop' } satisfies ToPipelineThread)
    // The thread hands back in-flight work within the grace; a thread stuck past it is ended.
    const limit = new Promise((resolve) =>
      setTimeout(resolve, config.server.shutdownGraceMs + 5_000).unref(),
    )
    await Promise.race([Promise.race([stopped, exited]), limit])
    await current.terminate()
  }
}
