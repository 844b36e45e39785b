import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { createNudgeGate } from './nudge-gate.ts'

const moduleUrl = new URL('./nudge-gate.ts', import.meta.url).href

describe('nudge gate', () => {
  it('starts closed, and lets one nudge through each time it is opened', () => {
    const gate = createNudgeGate()
    expect(gate.take()).toBe(false)
    gate.open()
    expect([gate.take(), gate.take()]).toEqual([true, false])
    gate.open()
    gate.open()
    expect([gate.take(), gate.take()]).toEqual([true, false])
  })

  it('is one gate across threads', async () => {
    const main = createNudgeGate()
    // The other thread opens it, as the pipeline thread's collector does.
    const opener = new Worker(
      `const { workerData } = require('node:worker_threads')
       import(workerData.module).then(({ createNudgeGate }) => createNudgeGate(workerData.buffer).open())`,
      { eval: true, workerData: { module: moduleUrl, buffer: main.buffer } },
    )
    await new Promise((resolve) => opener.once('exit', resolve))
    expect([main.take(), main.take()]).toEqual([true, false])
    const other = createNudgeGate(main.buffer)
    other.open()
    expect(main.take()).toBe(true)
    expect(other.take()).toBe(false)
  })
})
