import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../config/load.ts'
import type { Db } from '../store/db.ts'
import { migrate } from '../store/migrations.ts'
import { openPglite } from '../store/pglite.ts'
import type { BuiltPipeline } from './build.ts'
import { createLifecycle, type Lifecycle } from './lifecycle.ts'
import { startPipelineThread } from './thread.ts'

const fixture = new URL('./thread-worker.fixture.ts', import.meta.url)

// The real thread (thread-worker.ts) runs in the PostgreSQL e2e suites; here a stand-in
// speaks its messages, so the hand-over and the restart can be tested without a store.
describe('pipeline thread: the main side', () => {
  let db: Db
  let lifecycle: Lifecycle
  let thread: BuiltPipeline
  const joined: string[] = []
  const errors: { where: string; error: unknown }[] = []

  beforeAll(async () => {
    db = await openPglite()
    await migrate(db)
    lifecycle = createLifecycle()
    lifecycle.on('pod:joined', (e) => joined.push(e.podId))
    lifecycle.on('pipeline:error', (e) => errors.push(e))
    thread = await startPipelineThread(
      parseConfig({}, {} as NodeJS.ProcessEnv, 'test'),
      db,
      lifecycle,
      fixture,
    )
  })
  afterAll(async () => {
    await thread?.stop()
    await db?.close()
  })

  it('emits the thread’s lifecycle events here', () => {
    expect(joined).toHaveLength(1)
    expect(joined[0]).toMatch(/^thread-\d+$/)
  })

  const accept = (id: string) =>
    thread.pipeline.accept({
      id,
      source: 'generic',
      receivedAt: new Date(),
      bodyDigest: 'sha256:x',
      changes: [{ kind: 'purge', source: 'generic', paths: ['/a'], tags: [] }],
    })

  it('writes an accepted event here, then nudges the thread', async () => {
    const created = once(lifecycle, 'batch:created')
    expect(await accept('e-thread-1')).toEqual({ id: 'e-thread-1', duplicate: false })
    expect(await db.query('SELECT id FROM events')).toEqual([{ id: 'e-thread-1' }])
    expect((await created)[0]).toEqual({ batchId: 'nudged', events: 1 })
  })

  it('nudges once per look: a commit before the next look starts sends none', async () => {
    const nudges: unknown[] = []
    lifecycle.on('batch:created', (e) => nudges.push(e))
    await accept('e-thread-2')
    await new Promise((resolve) => setImmediate(resolve))
    // Messages keep their order both ways: a nudge sent before this call is answered first.
    expect(await thread.pipeline.retry('look')).toBe('pods for look')
    expect(nudges).toHaveLength(0)
    const created = once(lifecycle, 'batch:created')
    await accept('e-thread-3')
    await created
    expect(nudges).toHaveLength(1)
  })

  it('asks the thread to retry a batch and answers with its stage', async () => {
    expect(await thread.pipeline.retry('b1')).toBe('pods for b1')
  })

  it('starts a new thread when one dies, and fails the calls it left unanswered', async () => {
    await expect(thread.pipeline.retry('crash')).rejects.toThrow('the pipeline thread stopped')
    expect(errors.map((e) => e.where)).toEqual(['pipeline thread'])
    expect(String(errors[0]?.error)).toContain('crashed')
    await expect.poll(() => joined.length, { timeout: 5_000 }).toBe(2)
    expect(joined[1]).not.toBe(joined[0])
    expect(await thread.pipeline.retry('b2')).toBe('pods for b2')
  })

  it('stops the thread and starts no other', async () => {
    await thread.stop()
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(joined).toHaveLength(2)
    await expect(thread.pipeline.retry('b3')).rejects.toThrow('restarting')
  })
})
