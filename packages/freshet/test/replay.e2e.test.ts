import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signRequest } from '@contentful/node-apps-toolkit'
import { afterAll, describe, expect, it } from 'vitest'
import { dropSchemas, postgresUrl, testPostgres, uniqueSchema } from '../src/store/test-stores.ts'
import { freePort, spawnFreshet, writeConfig } from './process.ts'

/**
 * A signed Contentful request is accepted once per TTL window, by the whole deployment: two
 * `freshet serve` processes on one PostgreSQL, and one of them restarted. The seen-signature
 * record lives in the store, so the second process and the restarted one both answer 401.
 */

const SECRET = 'replaySigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'.slice(0, 64)
const reachable = (await testPostgres('Contentful replay across processes')) !== undefined

describe.skipIf(!reachable)('Contentful replay across processes on one PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-replay-'))
  const schema = uniqueSchema()
  const running: ReturnType<typeof spawnFreshet>[] = []
  afterAll(async () => {
    for (const run of running) run.child.kill('SIGKILL')
    await Promise.all(running.map((run) => run.exited))
    rmSync(dir, { recursive: true, force: true })
    await dropSchemas(postgresUrl, schema)
  })

  async function start(name: string) {
    const port = await freePort()
    mkdirSync(join(dir, name))
    const file = writeConfig(join(dir, name), {
      server: { port, host: '127.0.0.1', adminToken: 'admin', shutdownGraceMs: 500 },
      store: { url: postgresUrl, schema },
      // A long TTL: starting processes on a busy machine must not expire the signature.
      sources: { contentful: { signingSecret: SECRET, ttlSeconds: 600 } },
    })
    const run = spawnFreshet(['serve', '--config', file], {}, dir)
    running.push(run)
    const base = `http://127.0.0.1:${port}`
    await expect
      .poll(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(200)
      .catch((error: Error) => {
        throw new Error(`${name} did not get ready: ${error.message}\n${run.output()}`)
      })
    return { base, run }
  }

  const body = JSON.stringify({
    sys: { type: 'Entry', id: 'replayed1', contentType: { sys: { id: 'post' } } },
    fields: { title: { 'en-US': 'Once' } },
  })
  const headers = {
    'content-type': 'application/vnd.contentful.management.v1+json',
    'x-contentful-topic': 'ContentManagement.Entry.publish',
  }
  const path = '/hooks/contentful'
  const signed = { ...headers, ...signRequest(SECRET, { method: 'POST', path, headers, body }) }
  const send = async (base: string) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: signed, body })
    return { status: response.status, text: await response.text() }
  }

  it('accepts it once; the other process, and a restarted one, answer 401', async () => {
    const [a, b] = await Promise.all([start('a'), start('b')])
    expect((await send(a.base)).status).toBe(202)
    const atB = await send(b.base)
    expect(atB.status).toBe(401)
    expect(atB.text).toMatch(/replayed/)
    a.run.child.kill('SIGTERM')
    expect(await a.run.exited).toBe(0)
    const again = await start('a2')
    const afterRestart = await send(again.base)
    expect(afterRestart.status).toBe(401)
    expect(afterRestart.text).toMatch(/replayed/)
  }, 120_000)
})
