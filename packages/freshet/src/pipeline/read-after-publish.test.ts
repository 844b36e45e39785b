import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContentChange } from '../core/domain.ts'
import { claimIntoBatch, getBatchState, noteStage } from '../store/batches.ts'
import type { Db } from '../store/db.ts'
import { insertEvents } from '../store/events.ts'
import { migrate } from '../store/migrations.ts'
import { openPglite } from '../store/pglite.ts'
import type { PipelineContext } from './context.ts'
import { awaitPublished, type ReadAfterPublish } from './read-after-publish.ts'

let db: Db
beforeAll(async () => {
  db = await openPglite()
  await migrate(db)
})
afterAll(() => db.close())

const change: ContentChange = {
  kind: 'item',
  source: 'contentful',
  collection: 'page',
  id: 'p1',
  action: 'publish',
  revision: 3,
}

/** A batch holding one event, as the collector makes it. */
async function batch(name: string) {
  await insertEvents(db, [
    {
      id: `e-${name}`,
      source: 'contentful',
      receivedAt: new Date(),
      bodyDigest: 'sha256:x',
      changes: [change],
    },
  ])
  await claimIntoBatch(db, `b-${name}`, new Date(Date.now() + 1000), 10, 'planning')
  return `b-${name}`
}

function context(check: ReadAfterPublish['check'], timeoutMs = 5_000) {
  const readAfterPublish: ReadAfterPublish = {
    cms: 'the Contentful Delivery API',
    timeoutMs,
    poll: { initialMs: 10, maxMs: 50 },
    check,
  }
  return { db, now: () => new Date(), readAfterPublish } as unknown as PipelineContext
}

const signal = new AbortController().signal

describe('awaitPublished', () => {
  it('waits until the check passes, keeping the wait on the batch', async () => {
    const id = await batch('waits')
    let checks = 0
    const ctx = context(async () => ({ expected: 1, pending: ++checks < 3 ? ['entry p1'] : [] }))
    const note = await awaitPublished(ctx, id, [change], signal)
    expect(checks).toBe(3)
    expect(note).toMatchObject({ level: 'info', message: expect.stringMatching(/^waited /) })
    const record = (await getBatchState(db, id))?.stages.planning?.readAfterPublish
    expect(record).toMatchObject({ items: 1, pending: [], endedAt: expect.any(String) })
    // A retried plan job does not wait again, and says the same.
    const again = await awaitPublished(
      context(async () => ({ expected: 1, pending: ['never'] })),
      id,
      [change],
      signal,
    )
    expect(again).toEqual(note)
  })

  it('counts the bound from the first start, so a job retried after a crash waits only what is left', async () => {
    const id = await batch('resumes')
    const startedAt = new Date(Date.now() - 60_000).toISOString()
    const started = { by: 'the Contentful Delivery API', startedAt, items: 1, timeoutMs: 5_000 }
    await noteStage(db, id, 'planning', { readAfterPublish: started })
    let checks = 0
    const ctx = context(async () => {
      checks++
      return { expected: 1, pending: ['entry p1 at revision 3 (serves revision 2)'] }
    })
    const note = await awaitPublished(ctx, id, [change], signal)
    expect(checks).toBe(1)
    expect(note).toEqual({
      level: 'warn',
      message: expect.stringContaining(
        'did not serve entry p1 at revision 3 (serves revision 2) within 5 s',
      ),
    })
  })

  it('records nothing and notes nothing when all is served at the first check', async () => {
    const id = await batch('served')
    const ctx = context(async () => ({ expected: 1, pending: [] }))
    expect(await awaitPublished(ctx, id, [change], signal)).toBeUndefined()
    expect((await getBatchState(db, id))?.stages.planning?.readAfterPublish).toBeUndefined()
  })
})
