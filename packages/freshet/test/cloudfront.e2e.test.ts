import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config/load.ts'
import { createService } from '../src/service.ts'
import { monthOf } from '../src/store/billing.ts'
import {
  ADMIN,
  adminHeaders,
  DISTRIBUTION,
  type Harness,
  hookHeaders,
  POD_TOKEN,
  startHarness,
} from './harness.ts'

interface View {
  status: string
  error: string | null
  batchId: string
  pathsBilled: number
  batch: { error: string | null; failedStage: string | null }
  invalidations: { distributionId: string; id: string; status: string; items: number }[]
}

const idOf = async (response: Response) => ((await response.json()) as { id: string }).id
const paths = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}/${i}`)

/** A counter's value in Prometheus text, 0 when absent. */
function counter(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line ? Number(line.split(' ').at(-1)) : 0
}

async function billedMetric(h: Harness, distribution: string) {
  const text = await (await h.request('/metrics')).text()
  return counter(text, 'freshet_cloudfront_paths_billed_total', `distribution="${distribution}"`)
}

const invalidationsOf = (h: Harness, distribution: string, batchId: string) =>
  (h.cloudfront.distributions.get(distribution)?.invalidations ?? []).filter((i) =>
    i.callerReference.includes(batchId),
  )

describe('CloudFront through the pipeline: one distribution', () => {
  let h: Harness
  let pods: TestPod[]
  beforeAll(async () => {
    // Pods of our own, with a timeout for 20,000 paths in one call on a busy machine.
    pods = await Promise.all([1, 2].map(() => startTestPod({ token: POD_TOKEN })))
    h = await startHarness({
      pods: 0,
      completeAfterMs: 200,
      overrides: {
        pods: {
          token: POD_TOKEN,
          discovery: { static: pods.map((p) => p.url) },
          retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20, timeoutMs: 30_000 },
          stageAttempts: 2,
        },
        // Widening off: these tests are about chunking under the limits (see widening.e2e.test.ts).
        cdn: {
          cloudfront: {
            distributionId: DISTRIBUTION,
            pollInitialMs: 50,
            pollMaxMs: 200,
            widen: false,
          },
        },
        // Wide enough that two 10,000-path webhooks sent together land in one batch.
        planner: { coalesce: { windowMs: 400, maxWaitMs: 3000 } },
      },
    })
  })
  afterAll(async () => {
    await h?.close()
    await Promise.all(pods.map((p) => p.close()))
  })

  it('chunks a 20,000-path batch under the in-progress limit, bills each path once, completes', async () => {
    const metricBefore = await billedMetric(h, DISTRIBUTION)
    const ids = await Promise.all(
      [paths('/burst/a', 10_000), paths('/burst/b', 10_000)].map(async (p) =>
        idOf(await h.webhook({ paths: p })),
      ),
    )
    const events = (await Promise.all(ids.map((id) => h.settle(id, 90_000)))) as unknown as View[]
    expect(events.map((e) => [e.status, e.error])).toEqual([
      ['completed', null],
      ['completed', null],
    ])
    const batchId = events[0]?.batchId ?? ''
    expect(events[1]?.batchId).toBe(batchId)

    const created = invalidationsOf(h, DISTRIBUTION, batchId)
    expect(created).toHaveLength(7)
    expect(created.every((i) => i.items.length <= 3000 && i.status === 'Completed')).toBe(true)
    expect(new Set(created.flatMap((i) => i.items)).size).toBe(20_000)
    expect(h.cloudfront.stats.peakPathsInProgress).toBeLessThanOrEqual(3000)

    expect(events[0]?.pathsBilled).toBe(20_000)
    expect(events[0]?.invalidations.map((i) => i.id).sort()).toEqual(
      created.map((i) => i.id).sort(),
    )
    const bill = await (
      await h.request(`/api/billing?month=${monthOf(new Date())}`, { headers: adminHeaders })
    ).json()
    expect(bill.distributions).toEqual([
      expect.objectContaining({
        distributionId: DISTRIBUTION,
        paths: 20_000,
        billablePaths: 19_000,
        usd: 95,
      }),
    ])
    expect((await billedMetric(h, DISTRIBUTION)) - metricBefore).toBe(20_000)
  }, 120_000)

  it('answers 400 to a billing month that is not YYYY-MM, and 401 without the token', async () => {
    const bad = await h.request('/api/billing?month=2026-13', { headers: adminHeaders })
    expect(bad.status).toBe(400)
    expect((await h.request('/api/billing')).status).toBe(401)
  })

  it('completes with 30% of CloudFront calls throttled, surfacing no error on the event', async () => {
    const throttledBefore = h.cloudfront.stats.errorsByCode.Throttling ?? 0
    h.cloudfront.faults.throttle({ fraction: 0.3, seed: 7 })
    try {
      const id = await idOf(await h.webhook({ paths: paths('/throttled', 7000) }))
      const event = (await h.settle(id, 90_000)) as unknown as View
      expect(event.status).toBe('completed')
      expect(event.error).toBeNull()
      expect(event.batch.error).toBeNull()
      expect(event.invalidations).toHaveLength(3)
    } finally {
      h.cloudfront.faults.throttle({ fraction: 0 })
    }
    expect((h.cloudfront.stats.errorsByCode.Throttling ?? 0) - throttledBefore).toBeGreaterThan(0)
  })

  it('gets the same invalidation back when the answer to CreateInvalidation is lost', async () => {
    const createdBefore = h.cloudfront.stats.invalidationsCreated
    const callsBefore = h.cloudfront.stats.callsByOperation.CreateInvalidation ?? 0
    h.cloudfront.faults.dropAfterCreate(1)
    const id = await idOf(await h.webhook({ paths: ['/dropped/answer'] }))
    const event = (await h.settle(id, 60_000)) as unknown as View
    expect(event.status).toBe('completed')
    expect(h.cloudfront.stats.invalidationsCreated - createdBefore).toBe(1)
    expect((h.cloudfront.stats.callsByOperation.CreateInvalidation ?? 0) - callsBefore).toBe(2)
    const created = invalidationsOf(h, DISTRIBUTION, event.batchId)
    expect(event.invalidations.map((i) => i.id)).toEqual(created.map((i) => i.id))
    expect(event.pathsBilled).toBe(1)
  })

  it('sends tags to the pods but not to a distribution without tags', async () => {
    const id = await idOf(await h.webhook({ paths: ['/tagged'], tags: ['article:9'] }))
    const event = (await h.settle(id)) as unknown as View
    expect(event.status).toBe('completed')
    for (const pod of pods)
      expect(pod.calls.at(-1)?.body).toEqual({ paths: ['/tagged'], tags: ['article:9'] })
    expect(invalidationsOf(h, DISTRIBUTION, event.batchId).map((i) => i.items)).toEqual([
      ['/tagged'],
    ])
  })
})

describe('CloudFront through the pipeline: several distributions', () => {
  const TAGGED = 'E2TAGGEDDIST02'
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({
      completeAfterMs: 100,
      overrides: {
        cdn: {
          cloudfront: [
            { distributionId: DISTRIBUTION, pollInitialMs: 50, pollMaxMs: 200 },
            { distributionId: TAGGED, tags: true, pollInitialMs: 50, pollMaxMs: 200 },
          ],
        },
      },
    })
    h.cloudfront.distributions.add(TAGGED)
  })
  afterAll(async () => h?.close())

  it('invalidates the same batch on every distribution; #tags only where tags are on', async () => {
    const id = await idOf(await h.webhook({ paths: ['/both', '/x'], tags: ['article:9'] }))
    const event = (await h.settle(id)) as unknown as View
    expect(event.status).toBe('completed')
    expect(invalidationsOf(h, DISTRIBUTION, event.batchId).map((i) => i.items)).toEqual([
      ['/both', '/x'],
    ])
    expect(invalidationsOf(h, TAGGED, event.batchId).map((i) => i.items)).toEqual([
      ['#article:9', '/both', '/x'],
    ])
    expect(event.invalidations.map((i) => [i.distributionId, i.status]).sort()).toEqual([
      [TAGGED, 'Completed'],
      [DISTRIBUTION, 'Completed'],
    ])
    expect(event.pathsBilled).toBe(5)
    const bill = await (await h.request('/api/billing', { headers: adminHeaders })).json()
    expect(bill.distributions).toEqual([
      expect.objectContaining({ distributionId: TAGGED, paths: 3 }),
      expect.objectContaining({ distributionId: DISTRIBUTION, paths: 2 }),
    ])
  })
})

describe('CloudFront through the pipeline: a distribution that does not exist', () => {
  const MISSING = 'E2NOSUCHDIST01'
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({
      overrides: { cdn: { cloudfront: { distributionId: MISSING } } },
    })
  })
  afterAll(async () => h?.close())

  it('fails the event naming the distribution, after pods confirmed, without retrying', async () => {
    const id = await idOf(await h.webhook({ paths: ['/nowhere'] }))
    const event = (await h.settle(id, 30_000)) as unknown as View
    expect(event.status).toBe('failed')
    expect(event.error).toContain(MISSING)
    expect(event.error).toContain('NoSuchDistribution')
    expect(event.batch.failedStage).toBe('cdn')
    const calls = Object.values(h.cloudfront.stats.callsByOperation).reduce((a, b) => a + b, 0)
    expect(calls).toBeLessThanOrEqual(2)
    expect(h.pods.every((p) => p.calls.some((c) => c.method === 'POST'))).toBe(true)
  })
})

describe('CloudFront through the pipeline: a restart while an invalidation is in progress', () => {
  it('resumes tracking on the same store and ends completed, without a second invalidation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-restart-'))
    const cloudfront = await startCloudFrontEmulator({
      distributions: [DISTRIBUTION],
      completeAfterMs: 8000,
    })
    const pod = await startTestPod({ token: POD_TOKEN })
    process.env.AWS_ENDPOINT_URL_CLOUDFRONT = cloudfront.url
    process.env.AWS_ACCESS_KEY_ID ??= 'test'
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test'
    const config = parseConfig(
      {
        server: { port: 0, adminToken: ADMIN, shutdownGraceMs: 10_000 },
        store: { dir },
        sources: { generic: { token: 'hook-token-for-tests' } },
        pods: { token: POD_TOKEN, discovery: { static: [pod.url] } },
        cdn: { cloudfront: { distributionId: DISTRIBUTION, pollInitialMs: 200, pollMaxMs: 1000 } },
        planner: { coalesce: { windowMs: 20, maxWaitMs: 200 } },
      },
      process.env,
      'test',
    )
    const view = async (service: Awaited<ReturnType<typeof createService>>, id: string) =>
      (await (
        await service.app.request(`/api/events/${id}`, { headers: adminHeaders })
      ).json()) as View
    try {
      const first = await createService(config)
      const answer = await first.app.request('/hooks/generic', {
        method: 'POST',
        headers: hookHeaders,
        body: JSON.stringify({ paths: ['/restart/me'] }),
      })
      const id = await idOf(answer)
      for (let i = 0; (await view(first, id)).status !== 'tracking'; i++) {
        if (i > 400) throw new Error('never reached tracking')
        await new Promise((r) => setTimeout(r, 25))
      }
      await first.stop()
      const [invalidation] = cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? []
      expect(invalidation?.status).toBe('InProgress')

      const second = await createService(config)
      try {
        let event = await view(second, id)
        for (let i = 0; event.status !== 'completed' && event.status !== 'failed'; i++) {
          if (i > 1200) throw new Error(`still ${event.status} after the restart`)
          await new Promise((r) => setTimeout(r, 25))
          event = await view(second, id)
        }
        expect(event.status).toBe('completed')
        expect(event.invalidations).toEqual([
          expect.objectContaining({ id: invalidation?.id, status: 'Completed' }),
        ])
        expect(cloudfront.stats.invalidationsCreated).toBe(1)
      } finally {
        await second.stop()
      }
    } finally {
      await pod.close()
      await cloudfront.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
