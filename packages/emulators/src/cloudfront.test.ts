import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront'
import { afterEach, describe, expect, it } from 'vitest'
import { type CloudFrontEmulator, startCloudFrontEmulator } from './cloudfront.ts'

const DIST = 'E2TEST'
let emulator: CloudFrontEmulator

function client(maxAttempts = 1) {
  return new CloudFrontClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  })
}

const create = (items: string[], callerReference: string, distributionId = DIST, attempts = 1) =>
  client(attempts).send(
    new CreateInvalidationCommand({
      DistributionId: distributionId,
      InvalidationBatch: {
        CallerReference: callerReference,
        Paths: { Quantity: items.length, Items: items },
      },
    }),
  )

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } }
  }
  throw new Error('expected a failure')
}

afterEach(async () => {
  await emulator?.close()
})

describe('CloudFront emulator, through the real SDK', () => {
  it('creates, gets and lists invalidations, which complete after the delay', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 50 })
    const answer = await create(['/a', '/b*', '#tag-1', '/a&b'], 'ref-1')
    expect(answer.Location).toContain(
      `/distribution/${DIST}/invalidation/${answer.Invalidation?.Id}`,
    )
    expect(answer.Invalidation?.Status).toBe('InProgress')
    expect(answer.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual([
      '/a',
      '/b*',
      '#tag-1',
      '/a&b',
    ])
    const id = answer.Invalidation?.Id ?? ''
    await new Promise((resolve) => setTimeout(resolve, 120))
    const got = await client().send(new GetInvalidationCommand({ DistributionId: DIST, Id: id }))
    expect(got.Invalidation?.Status).toBe('Completed')
    const list = await client().send(new ListInvalidationsCommand({ DistributionId: DIST }))
    expect(list.InvalidationList?.Items?.map((i) => i.Id)).toEqual([id])
    expect(emulator.stats.pathsBilled).toBe(4)
  })

  it('pages ListInvalidations newest first', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    for (let i = 0; i < 5; i++) await create([`/p${i}`], `ref-${i}`)
    const first = await client().send(
      new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 3 }),
    )
    expect(first.InvalidationList?.IsTruncated).toBe(true)
    const next = await client().send(
      new ListInvalidationsCommand({
        DistributionId: DIST,
        MaxItems: 3,
        Marker: first.InvalidationList?.NextMarker,
      }),
    )
    expect(next.InvalidationList?.IsTruncated).toBe(false)
    const ids = [...(first.InvalidationList?.Items ?? []), ...(next.InvalidationList?.Items ?? [])]
    expect(ids).toHaveLength(5)
    expect(ids[0]?.Id && ids[0].Id > (ids[4]?.Id ?? '')).toBe(true)
  })

  it('returns the existing invalidation for the same CallerReference and batch', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    const first = await create(['/a', '/b'], 'same')
    const again = await create(['/b', '/a'], 'same')
    expect(again.Invalidation?.Id).toBe(first.Invalidation?.Id)
    expect(emulator.stats.invalidationsCreated).toBe(1)
    const other = await errorOf(create(['/c'], 'same'))
    expect(other.name).toBe('InvalidationBatchAlreadyExists')
  })

  it('enforces the in-progress limits and refuses bad input with the right errors', async () => {
    emulator = await startCloudFrontEmulator({
      distributions: [DIST],
      limits: { maxPathsInProgress: 3, maxWildcardsInProgress: 1 },
    })
    await create(['/a', '/b'], 'r1')
    const full = await errorOf(create(['/c', '/d'], 'r2'))
    expect(full.name).toBe('TooManyInvalidationsInProgress')
    expect(full.$metadata.httpStatusCode).toBe(400)
    const large = await errorOf(create(['/w*', '/v*'], 'r3'))
    expect(large.name).toBe('BatchTooLarge')
    expect(large.$metadata.httpStatusCode).toBe(413)
    expect((await errorOf(create(['nope'], 'r4'))).name).toBe('InvalidArgument')
    expect((await errorOf(create(['/a*b'], 'r5'))).name).toBe('InvalidArgument')
    expect((await errorOf(create(['/é'], 'r6'))).name).toBe('InvalidArgument')
    expect((await errorOf(create(['#a,b'], 'r7'))).name).toBe('InvalidArgument')
    const missing = await errorOf(create(['/a'], 'r8', 'ENOPE'))
    expect(missing.name).toBe('NoSuchDistribution')
    expect(missing.$metadata.httpStatusCode).toBe(404)
    expect(emulator.stats.errorsByCode.InvalidArgument).toBe(4)
    emulator.completeAll()
    await create(['/c', '/d', '/e*'], 'r2b')
    expect(emulator.stats.peakPathsInProgress).toBe(2)
  })

  it('throttles a seeded fraction of calls, which the SDK retries', async () => {
    emulator = await startCloudFrontEmulator({
      distributions: [DIST],
      throttle: { fraction: 1, seed: 7 },
    })
    const throttled = await errorOf(create(['/a'], 'r1'))
    expect(throttled.name).toBe('Throttling')
    emulator.faults.throttle({ fraction: 0.3, seed: 7 })
    for (let i = 0; i < 10; i++) await create([`/p${i}`], `t-${i}`, DIST, 5)
    expect(emulator.stats.invalidationsCreated).toBe(10)
    expect(emulator.stats.errorsByCode.Throttling).toBeGreaterThan(1)
  })

  it('fails the next calls with 503s on demand', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    emulator.faults.failNext(1)
    const unavailable = await errorOf(create(['/a'], 'r1'))
    expect(unavailable.$metadata.httpStatusCode).toBe(503)
    emulator.faults.failNext(1)
    const answer = await create(['/a'], 'r1', DIST, 2)
    expect(answer.Invalidation?.Id).toBeDefined()
  })

  it('can drop the connection after creating, and keeps its state across stop/start', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    emulator.faults.dropAfterCreate()
    await errorOf(create(['/a'], 'crash'))
    expect(emulator.stats.invalidationsCreated).toBe(1)
    await emulator.stop()
    await errorOf(create(['/a'], 'crash'))
    await emulator.start()
    const again = await create(['/a'], 'crash')
    expect(again.Invalidation?.Id).toBe(emulator.distributions.get(DIST)?.invalidations[0]?.id)
    expect(emulator.stats.invalidationsCreated).toBe(1)
  })

  it('tells in-process subscribers what completed', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 10 })
    const seen = new Promise((resolve) => emulator.onCompleted(resolve))
    await create(['/x', '#t'], 'r1')
    expect(await seen).toMatchObject({ distributionId: DIST, items: ['/x', '#t'] })
  })
})
