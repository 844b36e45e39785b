import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config/load.ts'
import { createService, type Service } from '../src/service.ts'
import { testPostgres, uniqueSchema } from '../src/store/test-stores.ts'

/**
 * One bad webhook never costs a good one. Each round sends 30 good webhooks and, at the same
 * moment, one event the store refuses (a NUL in its changes, handed to the pipeline past the
 * door's validation, as a bug in a source would), so all share one batched insert. Only the
 * poisoned one may fail: 600 of 600 good ones are accepted, then completed. That they did share
 * it is checked, not assumed: each round the intake announces (`intake:split`) that the store
 * refused an insert holding the poisoned row and good ones, and split it.
 */

const ROUNDS = 20
const GOOD = 30
const TOKEN = 'isolation-hook-token'
const ADMIN = 'isolation-admin-token'

const stores: { name: string; url?: string }[] = [{ name: 'pglite' }]
const pgUrl = await testPostgres('intake isolation')
if (pgUrl) stores.push({ name: 'postgres', url: pgUrl })

describe.each(stores)('intake isolation on $name', ({ url }) => {
  let dir: string
  let service: Service
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'freshet-isolation-'))
    const config = parseConfig(
      {
        server: { port: 0, adminToken: ADMIN },
        store: { dir, ...(url ? { url, schema: uniqueSchema() } : {}) },
        sources: { generic: { token: TOKEN } },
        planner: { coalesce: { windowMs: 20, maxWaitMs: 200 } },
      },
      {} as NodeJS.ProcessEnv,
      'isolation-tests',
    )
    service = await createService(config)
  }, 120_000)
  afterAll(async () => {
    await service?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const webhook = async (round: number, i: number) => {
    const response = await service.app.request('/hooks/generic', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ paths: [`/round-${round}/${i}`] }),
    })
    return { status: response.status, body: (await response.json()) as { id?: string } }
  }

  const poison = () =>
    service.pipeline.accept({
      id: randomUUID(),
      source: 'generic',
      receivedAt: new Date(),
      bodyDigest: 'sha256:poison',
      changes: [{ kind: 'purge', source: 'generic', paths: ['/poison\u0000'], tags: [] }],
    })

  it(`${ROUNDS} rounds of 1 poisoned + ${GOOD} good webhooks: every good one accepted and completed`, async () => {
    const accepted: string[] = []
    const refused: string[] = []
    let poisonRefused = 0
    // The largest refused insert of each round: the poisoned row and the good ones beside it.
    const shared: number[] = Array.from({ length: ROUNDS }, () => 0)
    let current = 0
    const onSplit = ({ rows }: { rows: number }) => {
      shared[current] = Math.max(shared[current] ?? 0, rows)
    }
    service.lifecycle.on('intake:split', onSplit)
    for (let round = 0; round < ROUNDS; round++) {
      current = round
      const half = Array.from({ length: GOOD / 2 }, (_, i) => i)
      const [before, bad, after] = await Promise.all([
        Promise.all(half.map((i) => webhook(round, i))),
        poison().then(
          () => 'stored',
          () => 'refused',
        ),
        Promise.all(half.map((i) => webhook(round, GOOD / 2 + i))),
      ])
      if (bad === 'refused') poisonRefused++
      for (const answer of [...before, ...after]) {
        if (answer.status === 202 && answer.body.id) accepted.push(answer.body.id)
        else refused.push(`${answer.status} ${JSON.stringify(answer.body)}`)
      }
    }
    service.lifecycle.off('intake:split', onSplit)
    expect(refused).toEqual([])
    expect(accepted).toHaveLength(ROUNDS * GOOD)
    expect(poisonRefused).toBe(ROUNDS)
    // Every round, the poisoned row was refused inside an insert with good ones (not alone).
    expect(shared.filter((rows) => rows < 2)).toEqual([])
    await expect
      .poll(
        async () => {
          const rows = await service.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM events e LEFT JOIN batches b ON b.id = e.batch_id
             WHERE e.id = ANY($1::text[]) AND b.status = 'completed'`,
            [accepted],
          )
          return rows[0]?.n
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(ROUNDS * GOOD)
  }, 120_000)
})
