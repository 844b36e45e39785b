/**
 * A stand-in pipeline thread for `thread.test.ts`: it speaks the messages of `thread-worker.ts`
 * without a store, and dies when asked to retry the batch `crash`, as a real thread might on a bug.
 */
import { parentPort, threadId } from 'node:worker_threads'
import type { FromPipelineThread, ToPipelineThread } from './thread.ts'

const port = parentPort
if (!port) throw new Error('runs as a worker thread')
const post = (message: FromPipelineThread) => port.postMessage(message)

port.on('message', (message: ToPipelineThread) => {
  if (message.type === 'nudge')
    post({ type: 'lifecycle', name: 'batch:created', payload: { batchId: `nudged`, events: 1 } })
  if (message.type === 'retry') {
    if (message.batchId === 'crash') throw new Error(`thread ${threadId} crashed`)
    post({ type: 'answer', call: message.call, stage: `pods for ${message.batchId}` })
  }
  if (message.type === 'stop') {
    post({ type: 'stopped' })
    port.close()
  }
})
post({ type: 'lifecycle', name: 'pod:joined', payload: { podId: `thread-${threadId}`, url: 'x' } })
post({ type: 'ready' })
