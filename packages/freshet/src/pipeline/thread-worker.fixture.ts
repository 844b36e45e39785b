/**
 * A stand-in pipeline thread for `thread.test.ts`: it speaks the messages of `thread-worker.ts`
 * without a store, and dies when asked to retry the batch `crash`, as a real thread might on a bug.
 * Its nudge gate opens as it starts and when asked to retry the batch `look`, as a real
 * collector's looks open it.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads'
import { createNudgeGate } from './nudge-gate.ts'
import type { FromPipelineThread, ToPipelineThread } from './thread.ts'

const port = parentPort
if (!port) throw new Error('runs as a worker thread')
const post = (message: FromPipelineThread) => port.postMessage(message)
const gate = createNudgeGate((workerData as { nudgeGate: SharedArrayBuffer }).nudgeGate)

port.on('message', (message: ToPipelineThread) => {
  if (message.type === 'nudge')
    post({ type: 'lifecycle', name: 'batch:created', payload: { batchId: `nudged`, events: 1 } })
  if (message.type === 'retry') {
    if (message.batchId === 'crash') throw new Error(`thread ${threadId} crashed`)
    if (message.batchId === 'look') gate.open()
    post({ type: 'answer', call: message.call, stage: `pods for ${message.batchId}` })
  }
  if (message.type === 'stop') {
    post({ type: 'stopped' })
    port.close()
  }
})
post({ type: 'lifecycle', name: 'pod:joined', payload: { podId: `thread-${threadId}`, url: 'x' } })
gate.open()
post({ type: 'ready' })
