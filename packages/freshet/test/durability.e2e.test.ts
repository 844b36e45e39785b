import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startTestPod } from '@freshet/emulators/pods'
import { describe, expect, it } from 'vitest'
import { testPostgres, uniqueSchema } from '../src/store/test-stores.ts'
import { freePort, spawnFreshet, waitFor, writeConfig } from './process.ts'

const TOTAL = 200
const KILL_AFTER = 90
const stores = [{ name: 'pglite', url: undefined as string | undefined }]
const pgUrl = await testPostgres('durability')
if (pgUrl) stores.push({ name: 'postgres', url: pgUrl })

describe.each(stores)('durability on $name: accepted means done, even after kill -9', ({ url }) => {
  it('completes every event that got a 2xx, and never creates an invalidation twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-durable-'))
    const cloudfront = await startCloudFrontEmulator({
      distributions: ['E2DURABLE0001'],
      completeAfterMs: 300,
    })
    const pods = await Promise.all([1, 2, 3].map(() => startTestPod({ token: 'pod-token' })))
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const file = writeConfig(dir, {
      server: { port, host: '127.0.0.1', adminToken: 'admin' },
      store: { dir: join(dir, 'store'), ...(url ? { url, schema: uniqueSchema() } : {}) },
      sources: { generic: { token: 'hook' } },
      pods: { token: 'pod-token', discovery: { static: pods.map((p) => p.url) } },
      cdn: { cloudfront: { distributionId: 'E2DURABLE0001', pollInitialMs: 100, pollMaxMs: 500 } },
      planner: { coalesce: { windowMs: 30, maxWaitMs: 200 } },
    })
    const env = {
      AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
    }
    const start = async () => {
      const run = spawnFreshet(['serve', '--config', file], env, dir)
      await waitFor(
        'ready',
        async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined),
        60_000,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}\n${run.output()}`)
      })
      return run
    }
    const send = async (i: number) => {
      const response = await fetch(`${base}/hooks/generic`, {
        method: 'POST',
        headers: { authorization: 'Bearer hook', 'content-type': 'application/json' },
        body: JSON.stringify({ paths: [`/durable/${i}`] }),
      }).catch(() => undefined)
      return response?.status === 202 ? ((await response.json()) as { id: string }).id : undefined
    }
    const accepted = new Map<number, string>()
    const sendAll = async (from: number, to: number, onAccepted?: () => void) => {
      const queue = Array.from({ length: to - from }, (_, k) => from + k)
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
            const id = await send(i)
            if (id) accepted.set(i, id)
            onAccepted?.()
          }
        }),
      )
    }

    try {
      const first = await start()
      let killed = false
      await sendAll(0, TOTAL / 2 + 20, () => {
        if (!killed && accepted.size >= KILL_AFTER) {
          killed = true
          first.child.kill('SIGKILL')
        }
      })
      await first.exited
      const second = await start()
      await sendAll(TOTAL / 2 + 20, TOTAL)
      expect(accepted.size).toBeGreaterThanOrEqual(TOTAL / 2)

      const statuses = await waitFor(
        'every accepted event to finish',
        async () => {
          const all = await Promise.all(
            [...accepted.values()].map(async (id) => {
              const response = await fetch(`${base}/api/events/${id}`, {
                headers: { authorization: 'Bearer admin' },
              })
              return ((await response.json()) as { status: string }).status
            }),
          )
          return all.every((s) => s === 'completed' || s === 'failed') ? all : undefined
        },
        120_000,
      )
      expect(statuses.filter((s) => s !== 'completed')).toEqual([])

      // Each accepted path is in exactly one invalidation: nothing re-planned into a second one.
      const invalidations = cloudfront.distributions.get('E2DURABLE0001')?.invalidations ?? []
      const seen = new Map<string, number>()
      for (const invalidation of invalidations)
        for (const item of invalidation.items) seen.set(item, (seen.get(item) ?? 0) + 1)
      for (const i of accepted.keys()) expect(seen.get(`/durable/${i}`), `/durable/${i}`).toBe(1)
      expect(new Set(invalidations.map((i) => i.callerReference)).size).toBe(invalidations.length)
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    } finally {
      await Promise.all(pods.map((p) => p.close()))
      await cloudfront.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
