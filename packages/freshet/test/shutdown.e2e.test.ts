import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { freePort, spawnFreshet, writeConfig } from './process.ts'

/**
 * SIGTERM through the real process: during `server.shutdownGraceMs` the listener stays open and
 * new requests get 503 with Retry-After (a sender retries, where a refused connection looks
 * like an outage); a webhook accepted before the signal is kept; then the process exits 0.
 */
it('answers 503 with Retry-After during the grace period, then exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-shutdown-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const graceMs = 3000
  const file = writeConfig(dir, {
    server: { port, host: '127.0.0.1', adminToken: 'admin', shutdownGraceMs: graceMs },
    store: { dir: join(dir, 'store') },
    sources: { generic: { token: 'hook' } },
  })
  const run = spawnFreshet(['serve', '--config', file], {}, dir)
  const hook = () =>
    fetch(`${base}/hooks/generic`, {
      method: 'POST',
      headers: { authorization: 'Bearer hook', 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['/during-shutdown'] }),
    })
  try {
    await expect
      .poll(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(200)
    expect((await hook()).status).toBe(202)

    run.child.kill('SIGTERM')
    const signalled = Date.now()
    const answers: { status: number; retryAfter: string | null; code?: string }[] = []
    // Until the grace period is nearly over, every attempt must be answered (no refused connection).
    while (Date.now() - signalled < graceMs - 500) {
      const response = await hook()
      const body = (await response.json()) as { error?: { code: string } }
      answers.push({
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        ...(body.error ? { code: body.error.code } : {}),
      })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const after = answers.filter((a) => a.status !== 202)
    expect(after.length).toBeGreaterThan(5)
    for (const answer of after) {
      expect(answer).toEqual({ status: 503, retryAfter: '5', code: 'shutting_down' })
    }
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(503)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)

    expect(await run.exited).toBe(0)
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(graceMs - 100)
    await expect(hook()).rejects.toThrow()
  } finally {
    run.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}, 120_000)
