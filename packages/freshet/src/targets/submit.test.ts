import { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import { type CloudFrontEmulator, startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { afterEach, describe, expect, it } from 'vitest'
import { cloudFrontLimits } from '../core/cdn-chunks.ts'
import { cloudFrontTarget } from './cloudfront/target.ts'
import { checkInvalidations, submitInvalidations } from './submit.ts'
import { CdnError, type CdnTarget } from './types.ts'

const DIST = 'E2SUBMIT'
const signal = new AbortController().signal
const fastRetry = { retries: 8, minTimeoutMs: 5, maxTimeoutMs: 50 }
const fastPoll = { initialMs: 20, maxMs: 100 }
let emulator: CloudFrontEmulator

function target(maxAttempts = 3, distributionId = DIST) {
  const client = new CloudFrontClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  })
  return cloudFrontTarget({ client, distributionId })
}

const paths = (count: number, prefix = '/p') =>
  Array.from({ length: count }, (_, i) => `${prefix}/${i}`)

afterEach(async () => {
  await emulator?.close()
})

describe('submitInvalidations against the emulator', () => {
  it('submits a 20,000-path burst in chunks, never over 3,000 paths in progress', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 150 })
    const waits: number[] = []
    const records = await submitInvalidations({
      target: target(),
      batchId: 'burst',
      items: paths(20_000),
      limits: cloudFrontLimits,
      signal,
      roomPoll: fastPoll,
      retry: fastRetry,
      onWait: (wait) => waits.push(wait.chunk),
    })
    expect(records.map((r) => r.paths.length)).toEqual([3000, 3000, 3000, 3000, 3000, 3000, 2000])
    expect(new Set(records.map((r) => r.invalidationId)).size).toBe(7)
    expect(emulator.stats.peakPathsInProgress).toBeLessThanOrEqual(3000)
    expect(emulator.stats.errorsByCode.TooManyInvalidationsInProgress).toBeUndefined()
    expect(emulator.stats.pathsBilled).toBe(20_000)
    expect(waits.length).toBeGreaterThan(0)
  })

  it('succeeds in full with 30% of calls throttled', async () => {
    emulator = await startCloudFrontEmulator({
      distributions: [DIST],
      completeAfterMs: 50,
      throttle: { fraction: 0.3, seed: 42 },
    })
    const records = await submitInvalidations({
      target: target(1),
      batchId: 'throttled',
      items: paths(40),
      limits: { maxPaths: 5, maxWildcards: 15 },
      signal,
      roomPoll: fastPoll,
      retry: fastRetry,
    })
    expect(records).toHaveLength(8)
    expect(emulator.stats.invalidationsCreated).toBe(8)
    expect(emulator.stats.errorsByCode.Throttling).toBeGreaterThan(3)
    const ids = records.map((r) => r.invalidationId)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const states = await checkInvalidations(target(1), ids, signal, fastRetry)
    expect(states.map((s) => s.status)).toEqual(Array(8).fill('Completed'))
  })

  it('finds the same invalidation again after a connection dropped between create and answer', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 60_000 })
    emulator.faults.dropAfterCreate()
    const submit = (retries: number) =>
      submitInvalidations({
        target: target(1),
        batchId: 'crash',
        items: ['/a', '/b', '#t'],
        limits: cloudFrontLimits,
        signal,
        retry: { ...fastRetry, retries },
      })
    const crashed = await submit(0).catch((e: unknown) => e)
    expect(crashed).toMatchObject({ retryable: true })
    expect(emulator.stats.invalidationsCreated).toBe(1)
    const [record] = await submit(0)
    expect(record?.invalidationId).toBe(emulator.distributions.get(DIST)?.invalidations[0]?.id)
    expect(emulator.stats.invalidationsCreated).toBe(1)
    expect(emulator.stats.pathsBilled).toBe(3)
  })

  it('retries through a dropped answer within one call too', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 60_000 })
    emulator.faults.dropAfterCreate()
    const created: string[] = []
    const records = await submitInvalidations({
      target: target(1),
      batchId: 'crash-2',
      items: paths(10),
      limits: cloudFrontLimits,
      signal,
      retry: fastRetry,
      onCreated: (record) => {
        created.push(record.invalidationId)
      },
    })
    expect(created).toEqual(records.map((r) => r.invalidationId))
    expect(emulator.stats.invalidationsCreated).toBe(1)
    expect(emulator.stats.callsByOperation.CreateInvalidation).toBe(2)
  })

  it('fails a nonexistent distribution at once, with a clear non-retryable error', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    const error = await submitInvalidations({
      target: target(3, 'EMISSING'),
      batchId: 'b',
      items: ['/a'],
      limits: cloudFrontLimits,
      signal,
      retry: fastRetry,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CdnError)
    expect(error).toMatchObject({ code: 'NoSuchDistribution', retryable: false })
    expect((error as Error).message).toContain(
      '[freshet] [cloudfront] NoSuchDistribution on EMISSING',
    )
    // At once: one call, no retries, no waiting for room.
    const calls = Object.values(emulator.stats.callsByOperation).reduce((a, b) => a + b, 0)
    expect(calls).toBe(1)
  })

  it('backs off on TooManyInvalidationsInProgress when the CDN cannot tell its load', async () => {
    emulator = await startCloudFrontEmulator({
      distributions: [DIST],
      completeAfterMs: 100,
      limits: { maxPathsInProgress: 10 },
    })
    const { load: _unused, ...withoutLoad } = target()
    const blind: CdnTarget = withoutLoad
    const sleeps: number[] = []
    const records = await submitInvalidations({
      target: blind,
      batchId: 'blind',
      items: paths(30),
      limits: { maxPaths: 10, maxWildcards: 15 },
      signal,
      retry: fastRetry,
      roomPoll: fastPoll,
      sleep: async (ms) => {
        sleeps.push(ms)
        await new Promise((resolve) => setTimeout(resolve, ms))
      },
    })
    expect(records).toHaveLength(3)
    expect(emulator.stats.peakPathsInProgress).toBe(10)
    expect(emulator.stats.errorsByCode.TooManyInvalidationsInProgress).toBe(sleeps.length)
    expect(sleeps.length).toBeGreaterThan(0)
  })
})
