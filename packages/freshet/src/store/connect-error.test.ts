import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../test/process.ts'
import { describeConnectError, isTransient, maskUrl } from './connect-error.ts'
import { openPostgres } from './postgres.ts'
import { postgresUrl, testPostgres } from './test-stores.ts'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

describe('a store that cannot be reached', () => {
  it('masks the password of a URL', () => {
    expect(maskUrl('postgres://app:hunter2@db:5432/x')).toBe('postgres://app:***@db:5432/x')
    expect(maskUrl('postgres://db/x')).toBe('postgres://db/x')
    expect(maskUrl('postgres://app:hunt er@db:x/y')).toBe('postgres://app:***@db:x/y')
  })

  it('names the key, the host and port, the cause and the fix, without the password', async () => {
    const port = await freePort()
    const url = `postgres://app:hunter2@127.0.0.1:${port}/freshet`
    const error = await openPostgres(url, 'public', 1).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toBe(
      `[freshet] [store] cannot connect to PostgreSQL at 127.0.0.1:${port} (store.url or DATABASE_URL: postgres://app:***@127.0.0.1:${port}/freshet): connect ECONNREFUSED 127.0.0.1:${port}; is PostgreSQL running and listening on 127.0.0.1:${port}?`,
    )
    expect(message).not.toContain('hunter2')
  })

  it('retries what waiting may fix, with backoff, for a bounded time', async () => {
    const port = await freePort()
    const retries: number[] = []
    const started = Date.now()
    const error = await openPostgres(`postgres://app@127.0.0.1:${port}/x`, 'public', 1, {
      forMs: 2_500,
      onRetry: (message, delay) => {
        expect(message).toMatch(/ECONNREFUSED.*; retrying in \d+ ms$/)
        retries.push(delay)
      },
    }).catch((e: Error) => e)
    expect(retries).toEqual([500, 1000])
    expect(Date.now() - started).toBeLessThan(10_000)
    expect((error as Error).message).toMatch(/\(tried for [12] s\)/)
  })

  it('does not wait on what waiting cannot fix', () => {
    expect(isTransient({ code: '28P01' })).toBe(false)
    expect(isTransient({ code: '3D000' })).toBe(false)
    expect(isTransient({ code: 'ECONNREFUSED' })).toBe(true)
    expect(isTransient({ errors: [{ code: 'ECONNREFUSED' }] })).toBe(true)
    expect(isTransient({ code: '57P03' })).toBe(true)
    expect(
      describeConnectError('postgres://db/x', {
        code: '28000',
        message: 'no PostgreSQL user name specified in startup packet',
      }),
    ).toMatch(/user name specified in startup packet; write the user in the URL: postgres:\/\/USER/)
  })

  it('connects once the server comes up within the time (a pod before its database)', async () => {
    if (!(await testPostgres('connects once the server comes up'))) return
    const target = new URL(postgresUrl)
    const port = await freePort()
    const proxy = createServer((client) => {
      const upstream = new Socket().connect(Number(target.port || 5432), target.hostname)
      client.pipe(upstream).pipe(client)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
    })
    servers.push(proxy)
    setTimeout(() => proxy.listen(port, '127.0.0.1'), 1_200)
    const url = Object.assign(new URL(postgresUrl), { port: String(port) }).href
    let retried = 0
    const db = await openPostgres(url, 'public', 1, { forMs: 20_000, onRetry: () => retried++ })
    try {
      expect(retried).toBeGreaterThan(0)
      expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await db.close()
    }
  })

  it('freshet serve says it in one line and exits 1 after trying for store.connectRetrySeconds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-store-down-'))
    try {
      writeFileSync(join(dir, 'freshet.yaml'), 'store: { connectRetrySeconds: 1 }\n')
      const port = await freePort()
      const cli = fileURLToPath(new URL('../../bin/freshet.js', import.meta.url))
      const run = spawnSync(process.execPath, [cli, 'serve'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${port}/freshet`,
          FRESHET_LOG_LEVEL: 'warn',
        },
      })
      expect(run.status).toBe(1)
      const last = run.stderr.trim().split('\n').at(-1)
      expect(last).toBe(
        `[freshet] [store] cannot connect to PostgreSQL at 127.0.0.1:${port} (tried for 1 s) (store.url or DATABASE_URL: postgres://app:***@127.0.0.1:${port}/freshet): connect ECONNREFUSED 127.0.0.1:${port}; is PostgreSQL running and listening on 127.0.0.1:${port}?`,
      )
      expect(run.stdout).toContain('retrying in 500 ms')
      expect(run.stdout + run.stderr).not.toContain('hunter2')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
