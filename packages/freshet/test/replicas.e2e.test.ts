import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { endpointSlice, startKubernetesEmulator } from '@freshet/emulators/kubernetes'
import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { dropSchemas, postgresUrl, testPostgres, uniqueSchema } from '../src/store/test-stores.ts'
import { freePort, spawnFreshet, waitFor, writeConfig } from './process.ts'

// Three replicas of `freshet serve` on one PostgreSQL, pods found through the EndpointSlice
// emulator, webhooks spread over the replicas: one is SIGKILLed mid-burst, then every replica is
// replaced in turn (a new one starts, the old one gets SIGTERM), as a rolling update does.
const TOTAL = 600
const KILL_AFTER = 150
const DISTRIBUTION = 'E2REPLICAS001'
const reachable = (await testPostgres('several replicas')) !== undefined

function writeKubeConfig(dir: string, server: string) {
  const file = join(dir, 'kubeconfig.json')
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // The client refuses plain HTTP unless TLS checks are off (the emulator speaks HTTP).
      clusters: [{ name: 'emulator', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'freshet', user: { token: 'replicas' } }],
      contexts: [{ name: 'emulator', context: { cluster: 'emulator', user: 'freshet' } }],
      'current-context': 'emulator',
    }),
  )
  return file
}

describe.runIf(reachable)('several replicas on one PostgreSQL', () => {
  it('a kill and a rolling restart lose nothing, duplicate nothing, catch each pod up once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-replicas-'))
    const schema = uniqueSchema()
    const k8s = await startKubernetesEmulator()
    const cloudfront = await startCloudFrontEmulator({
      distributions: [DISTRIBUTION],
      completeAfterMs: 200,
    })
    const pods: TestPod[] = []
    const publish = (pod: TestPod, i: number) =>
      k8s.apply(
        endpointSlice({
          service: 'web',
          namespace: 'site',
          name: `web-${i}`,
          endpoints: [{ ip: '127.0.0.1', ready: true, podName: `web-${i}` }],
          ports: [{ name: 'http', port: Number(new URL(pod.url).port) }],
        }),
      )
    for (let i = 0; i < 3; i++) {
      pods.push(await startTestPod({ token: 'pod-token', id: `web-${i}` }))
      publish(pods[i] as TestPod, i)
    }
    const env = {
      KUBECONFIG: writeKubeConfig(dir, k8s.url),
      AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
    }
    type Replica = ReturnType<typeof spawnFreshet> & { base: string }
    // Every process started, ready or not, so none outlives a failed test.
    const spawned: ReturnType<typeof spawnFreshet>[] = []
    const start = async (): Promise<Replica> => {
      const port = await freePort()
      const file = writeConfig(mkdtempSync(join(dir, 'replica-')), {
        server: { port, host: '127.0.0.1', adminToken: 'admin', shutdownGraceMs: 10_000 },
        store: { url: postgresUrl, schema },
        sources: { generic: { token: 'hook' } },
        pods: {
          token: 'pod-token',
          discovery: { kubernetes: { namespace: 'site', service: 'web', portName: 'http' } },
        },
        cdn: { cloudfront: { distributionId: DISTRIBUTION, pollInitialMs: 100, pollMaxMs: 500 } },
        planner: { coalesce: { windowMs: 30, maxWaitMs: 200 } },
      })
      const run = spawnFreshet(['serve', '--config', file], env, dir)
      spawned.push(run)
      const base = `http://127.0.0.1:${port}`
      // Processes loading at once on a busy machine take a while.
      await waitFor(
        'ready',
        async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined),
        180_000,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}\n${run.output()}`)
      })
      return { ...run, base }
    }

    const accepted = new Map<number, string>()
    let fleet: Replica[] = []
    let next = 0
    const send = async (i: number) => {
      const replica = fleet[i % fleet.length]
      if (!replica) return
      const response = await fetch(`${replica.base}/hooks/generic`, {
        method: 'POST',
        headers: { authorization: 'Bearer hook', 'content-type': 'application/json' },
        body: JSON.stringify({ paths: [`/replicas/${i}`] }),
      }).catch(() => undefined)
      if (response?.status === 202) accepted.set(i, ((await response.json()) as { id: string }).id)
    }
    const burst = async (count: number, during?: () => void) => {
      const end = next + count
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < end) {
            await send(next++)
            during?.()
          }
        }),
      )
    }

    try {
      // Three replicas started together on a fresh schema.
      fleet = await Promise.all([start(), start(), start()])

      // A burst spread over them; one is SIGKILLed mid-way and another takes its place.
      let killed: Replica | undefined
      await burst(TOTAL / 2, () => {
        if (!killed && accepted.size >= KILL_AFTER) {
          killed = fleet[1]
          killed?.child.kill('SIGKILL')
        }
      })
      await killed?.exited
      fleet = [fleet[0], fleet[2], await start()].filter((r): r is Replica => r !== undefined)

      // A pod appears late: it must be caught up once by the fleet, not once per replica.
      const late = await startTestPod({ token: 'pod-token', id: 'web-late' })
      pods.push(late)
      publish(late, 3)

      // Rolling restart under load: a new replica starts, then the old one gets SIGTERM.
      const rolling = (async () => {
        for (let i = 0; i < 3; i++) {
          const old = fleet[0] as Replica
          const fresh = await start()
          fleet = [...fleet.slice(1), fresh]
          old.child.kill('SIGTERM')
          expect(await old.exited, old.output()).toBe(0)
        }
      })()
      await burst(TOTAL / 2)
      await rolling
      expect(accepted.size).toBeGreaterThan(TOTAL * 0.9)

      const base = (fleet[0] as Replica).base
      const statuses = async () =>
        Promise.all(
          [...accepted.values()].map(async (id) => {
            const response = await fetch(`${base}/api/events/${id}`, {
              headers: { authorization: 'Bearer admin' },
            })
            return ((await response.json()) as { status: string }).status
          }),
        )
      const unfinished = async () => {
        const counts: Record<string, number> = {}
        for (const status of await statuses())
          if (status !== 'completed') counts[status] = (counts[status] ?? 0) + 1
        return counts
      }
      await expect
        .poll(unfinished, { timeout: 180_000, interval: 1000 })
        .toEqual({})
        .catch(async (error: unknown) => {
          const logs = spawned.map((run) => run.output().slice(-2000)).join('\n---\n')
          throw new Error(
            `${(error as Error).message}\n${JSON.stringify(await unfinished())}\n${logs}`,
          )
        })

      // Each accepted path was invalidated exactly once; no CallerReference twice.
      const invalidations = cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? []
      const seen = new Map<string, number>()
      for (const invalidation of invalidations)
        for (const item of invalidation.items) seen.set(item, (seen.get(item) ?? 0) + 1)
      for (const i of accepted.keys()) expect(seen.get(`/replicas/${i}`), `/replicas/${i}`).toBe(1)
      expect(new Set(invalidations.map((i) => i.callerReference)).size).toBe(invalidations.length)

      // Each pod's catch-up (the 3 at start, the late one) was sent once across the fleet, not
      // once per replica: one catch-up job per pod (a job's retries keep its id).
      await expect
        .poll(() => late.calls.filter((c) => c.method === 'GET').length, { timeout: 30_000 })
        .toBeGreaterThan(0)
      const db = new pg.Client({ connectionString: postgresUrl })
      await db.connect()
      try {
        const { rows } = await db.query<{ pod: string; jobs: string }>(
          `SELECT data->'pod'->>'id' AS pod, count(*) AS jobs FROM "${schema}_jobs".job
           WHERE name = 'freshet-catchup' GROUP BY 1 ORDER BY 1`,
        )
        expect(rows.map((r) => [r.pod, Number(r.jobs)])).toEqual([
          ['web-0', 1],
          ['web-1', 1],
          ['web-2', 1],
          ['web-3', 1],
        ])
      } finally {
        await db.end()
      }

      for (const replica of fleet) replica.child.kill('SIGTERM')
      for (const replica of fleet) expect(await replica.exited).toBe(0)
    } finally {
      for (const run of spawned) if (run.child.exitCode === null) run.child.kill('SIGKILL')
      await Promise.all(pods.map((p) => p.close()))
      await cloudfront.close()
      await k8s.close()
      await dropSchemas(postgresUrl, schema)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 400_000)
})
