import { randomUUID } from 'node:crypto'
import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import type { PgBoss } from 'pg-boss'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Plan } from '../core/domain.ts'
import { podListeners } from '../discovery/pods.ts'
import type { Discovery, Pod } from '../discovery/types.ts'
import type { Db } from '../store/db.ts'
import { listDeliveries, recordDeliveries } from '../store/deliveries.ts'
import { listCatchUps } from '../store/replay.ts'
import { testStores } from '../store/test-stores.ts'
import { createPodClient } from '../targets/pods/client.ts'
import {
  CATCH_UP_MARGIN_MS,
  type CatchUp,
  REPLAY_CHUNK,
  replayCutoff,
  startCatchUp,
} from './catch-up.ts'
import type { PipelineContext } from './context.ts'
import { createLifecycle, type Lifecycle, type LifecycleEvents } from './lifecycle.ts'
import { runPodsStage } from './stage-pods.ts'
import { openStoreWithBoss } from './test-boss.ts'

const TOKEN = 'catch-up-token'
const BUILT = new Date('2026-06-01T12:00:00Z')
const minutes = (n: number) => new Date(BUILT.getTime() + n * 60_000)

describe('replay helpers', () => {
  it('cuts off at the build time minus the margin, and refuses a build time that is no time', () => {
    expect(replayCutoff(BUILT.toISOString()).getTime()).toBe(BUILT.getTime() - CATCH_UP_MARGIN_MS)
    expect(() => replayCutoff('yesterday')).toThrow('"yesterday" is not an ISO time')
  })
})

/** Discovery whose pod set the test changes, reported through `watch` as the real ones do. */
function movingDiscovery(initial: Pod[]) {
  let pods = initial
  const listeners = podListeners()
  listeners.update(pods)
  return {
    name: 'moving',
    list: async () => pods,
    watch: (listener: (pods: Pod[]) => void) => listeners.add(listener),
    set(next: Pod[]) {
      pods = next
      listeners.update(next)
    },
  } satisfies Discovery & { set(next: Pod[]): void }
}

const plan = (paths: string[], tags: string[] = []): Plan => ({
  paths: paths.map((value) => ({ value, reasons: [{ kind: 'explicit', detail: 'test' }] })),
  tags: tags.map((value) => ({ value, reasons: [{ kind: 'explicit', detail: 'test' }] })),
  notes: [],
})

async function addBatch(db: Db, createdAt: Date, batchPlan: Plan | null, status = 'completed') {
  const id = randomUUID()
  await db.query(
    'INSERT INTO batches (id, status, created_at, plan) VALUES ($1, $2, $3, $4::jsonb)',
    [id, status, createdAt.toISOString(), batchPlan ? JSON.stringify(batchPlan) : null],
  )
  return id
}

function next<K extends keyof LifecycleEvents>(
  lifecycle: Lifecycle,
  name: K,
  podId: string,
  timeoutMs = 15_000,
): Promise<LifecycleEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} for ${podId}`)), timeoutMs)
    const listener = (event: LifecycleEvents[K][0]) => {
      if ((event as { podId: string }).podId !== podId) return
      clearTimeout(timer)
      lifecycle.off(name, listener as never)
      resolve(event)
    }
    lifecycle.on(name, listener as never)
  })
}

const podOf = (pod: TestPod): Pod => ({ id: pod.id, url: pod.url })

describe.each(await testStores())('catch-up on $name', (store) => {
  // One store and job queue per store kind (PGlite takes seconds to set up pg-boss); each test
  // empties the tables and has pods of its own.
  let db: Db
  let boss: PgBoss
  let pods: TestPod[] = []
  let running: CatchUp[] = []
  beforeAll(async () => {
    ;({ db, boss } = await openStoreWithBoss(store))
  })
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: false })
    await db?.close()
  })
  afterEach(async () => {
    for (const each of running) await each.stop()
    await Promise.all(pods.map((pod) => pod.close()))
    await db.query('DELETE FROM batches')
    await db.query('DELETE FROM pod_catchups')
    await db.query('DELETE FROM pod_deliveries')
    running = []
    pods = []
  })

  async function setUp(podCount: number) {
    pods = await Promise.all(
      Array.from({ length: podCount }, () =>
        startTestPod({ token: TOKEN, buildTime: BUILT.toISOString() }),
      ),
    )
    const discovery = movingDiscovery(pods.slice(0, 1).map(podOf))
    const lifecycle = createLifecycle()
    lifecycle.on('pipeline:error', (e) => console.error(e.error))
    const ctx = {
      db,
      boss,
      lifecycle,
      now: () => new Date(),
      wake: () => {},
      cdn: [],
      pods: {
        discovery,
        client: createPodClient({ token: TOKEN, timeoutMs: 2000 }),
        retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
        concurrency: 8,
        stageAttempts: 1,
      },
    } as unknown as PipelineContext
    const start = async () => {
      const catchUp = await startCatchUp(ctx)
      if (!catchUp) throw new Error('no catch-up without watch?')
      running.push(catchUp)
      return catchUp
    }
    return { discovery, lifecycle, start, ctx }
  }

  it('records a round of pod results in one statement; attempts add up across stage retries', async () => {
    const batchId = randomUUID()
    const pod = (n: number) => ({ id: `pod-${n}`, url: `http://10.0.0.${n}:3000` })
    await recordDeliveries(
      db,
      batchId,
      [
        { pod: pod(1), status: 'failed', attempts: 2, error: 'answered 500' },
        { pod: pod(2), status: 'confirmed', attempts: 1, answer: { paths: [], tags: [] } },
      ],
      new Date(),
    )
    await recordDeliveries(
      db,
      batchId,
      [{ pod: pod(1), status: 'confirmed', attempts: 1 }],
      new Date(),
    )
    const rows = await listDeliveries(db, batchId)
    expect(rows.map((r) => [r.pod_id, r.status, r.attempts, r.error])).toEqual([
      ['pod-1', 'confirmed', 3, null],
      ['pod-2', 'confirmed', 1, null],
    ])
    expect(rows[1]?.answer).toEqual({ paths: [], tags: [] })
  })

  it('replays to a new pod every path and tag of the batches since its build, once, then counts it current', async () => {
    const { discovery, lifecycle, start } = await setUp(2)
    const [first, late] = pods as [TestPod, TestPod]
    await addBatch(db, minutes(-60), plan(['/seen-by-the-build']))
    await addBatch(db, minutes(-5), plan(['/a', '/b'], ['articles:1']))
    await addBatch(db, minutes(30), plan(['/b', '/c'], ['articles:1', 'articles']), 'failed')
    await addBatch(db, minutes(31), null, 'planning')
    const firstDone = next(lifecycle, 'pod:caught-up', first.id)
    await start()
    await firstDone

    const joined = next(lifecycle, 'pod:joined', late.id)
    const caughtUp = next(lifecycle, 'pod:caught-up', late.id)
    discovery.set([podOf(first), podOf(late)])
    expect(await joined).toEqual({ podId: late.id, url: late.url })
    expect(await caughtUp).toMatchObject({ batches: 2, paths: 3, tags: 2, buildId: 'test' })
    expect(late.calls.map((c) => [c.method, c.body])).toEqual([
      ['GET', undefined],
      ['POST', { paths: ['/a', '/b', '/c'], tags: ['articles', 'articles:1'] }],
    ])
    const rows = await listCatchUps(db)
    expect(rows.map((r) => [r.pod_id, r.status, r.paths])).toEqual(
      [podOf(first), podOf(late)]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((pod) => [pod.id, 'current', 3]),
    )
  })

  it('sends a long replay in parts of REPLAY_CHUNK items, each confirmed', async () => {
    const { lifecycle, start } = await setUp(1)
    const [pod] = pods as [TestPod]
    const paths = Array.from(
      { length: REPLAY_CHUNK + 10 },
      (_, i) => `/p/${String(i).padStart(3, '0')}`,
    )
    await addBatch(db, minutes(1), plan(paths))
    const done = next(lifecycle, 'pod:caught-up', pod.id)
    await start()
    expect(await done).toMatchObject({ paths: REPLAY_CHUNK + 10 })
    const posts = pod.calls.filter((c) => c.method === 'POST').map((c) => c.body?.paths ?? [])
    expect(posts.map((part) => part.length)).toEqual([REPLAY_CHUNK, 10])
    expect(posts.flat()).toEqual(paths)
  })

  it('a pod that appears while a batch is delivered joins that batch before it completes', async () => {
    const { discovery, lifecycle, ctx } = await setUp(1)
    const slow = await startTestPod({ token: TOKEN, delayMs: 300 })
    const late = await startTestPod({ token: TOKEN })
    pods.push(slow, late)
    discovery.set([podOf(slow)])
    const batchId = await addBatch(db, new Date(), plan(['/during']), 'pods')
    const confirmed = new Promise<number>((resolve) =>
      lifecycle.once('pods:confirmed', (e) => resolve(e.pods)),
    )
    const stage = runPodsStage(ctx, batchId, new AbortController().signal)
    setTimeout(() => discovery.set([podOf(slow), podOf(late)]), 100)
    await stage
    expect(await confirmed).toBe(2)
    const rows = await listDeliveries(db, batchId)
    expect(rows.map((r) => [r.pod_id, r.status]).sort()).toEqual(
      [slow.id, late.id].sort().map((id) => [id, 'confirmed']),
    )
    expect(late.calls.at(-1)?.body).toEqual({ paths: ['/during'], tags: [] })
    expect((await db.query<{ status: string }>('SELECT status FROM batches'))[0]?.status).toBe(
      'completed',
    )
  })

  it('after a restart, knows the current pods; one that left and came back catches up again', async () => {
    const { discovery, lifecycle, start } = await setUp(1)
    const [pod] = pods as [TestPod]
    await addBatch(db, minutes(1), plan(['/a']))
    const done = next(lifecycle, 'pod:caught-up', pod.id)
    const before = await start()
    await done
    await before.stop()

    const joins: string[] = []
    lifecycle.on('pod:joined', (e) => joins.push(e.podId))
    const again = await start()
    await again.idle()
    expect(joins).toEqual([])

    discovery.set([])
    await again.idle()
    expect(await listCatchUps(db)).toEqual([])
    const back = next(lifecycle, 'pod:caught-up', pod.id)
    discovery.set([podOf(pod)])
    expect(await back).toMatchObject({ paths: 1 })
    expect(joins).toEqual([pod.id])
    expect(pod.calls.filter((c) => c.method === 'POST')).toHaveLength(2)
  })

  it('retries a pod that fails its replay until it confirms, keeping the error visible meanwhile', async () => {
    const { lifecycle, start } = await setUp(1)
    const [pod] = pods as [TestPod]
    await addBatch(db, minutes(1), plan(['/a']))
    pod.fail(1) // the build-info GET
    const failed = next(lifecycle, 'pod:catch-up-failed', pod.id)
    const done = next(lifecycle, 'pod:caught-up', pod.id)
    await start()
    const failure = await failed
    expect(failure.final).toBe(false)
    expect(failure.error).toContain(pod.id)
    const [row] = await listCatchUps(db)
    expect(row).toMatchObject({ status: 'catching-up', attempts: 1 })
    expect(row?.error).toContain('answered 500')
    await done
    expect((await listCatchUps(db))[0]).toMatchObject({ status: 'current', error: null })
  })
})
