import { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import { type CloudFrontEmulator, startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { afterEach, describe, expect, it } from 'vitest'
import { CdnError } from '../types.ts'
import { cloudFrontOptions, cloudFrontTarget } from './target.ts'

const DIST = 'E2TARGET'
const signal = new AbortController().signal
let emulator: CloudFrontEmulator

const clientFor = (url: string, maxAttempts = 1) =>
  new CloudFrontClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  })

async function failure(promise: Promise<unknown>): Promise<CdnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CdnError)
  return error as CdnError
}

afterEach(async () => {
  await emulator?.close()
})

describe('cloudFrontTarget against the emulator', () => {
  it('creates, gets and reports the load in progress', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 60_000 })
    const target = cloudFrontTarget({ client: clientFor(emulator.url), distributionId: DIST })
    const created = await target.create(
      { callerReference: 'r1', items: ['/a', '/b*', '#t'] },
      signal,
    )
    expect(created.status).toBe('InProgress')
    await target.create({ callerReference: 'r2', items: ['/c'] }, signal)
    expect(await target.get(created.id, signal)).toEqual(created)
    const load = await target.load(signal)
    expect(load).toMatchObject({ paths: 3, wildcards: 1 })
    expect(load.callerReferences.sort()).toEqual(['r1', 'r2'])
    emulator.completeAll()
    expect(await target.load(signal)).toMatchObject({ paths: 0, wildcards: 0 })
    expect((await target.get(created.id, signal)).status).toBe('Completed')
  })

  it('pages through many invalidations to find those in progress', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 60_000 })
    const target = cloudFrontTarget({ client: clientFor(emulator.url), distributionId: DIST })
    for (let i = 0; i < 150; i++)
      await target.create({ callerReference: `r${i}`, items: [`/p${i}`] }, signal)
    expect(await target.load(signal)).toMatchObject({ paths: 150, wildcards: 0 })
    expect(emulator.stats.callsByOperation.ListInvalidations).toBe(2)
  })

  it('fails a missing distribution with a clear, non-retryable error', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    const target = cloudFrontTarget({ client: clientFor(emulator.url), distributionId: 'ENOPE' })
    const error = await failure(target.create({ callerReference: 'r', items: ['/a'] }, signal))
    expect(error).toMatchObject({ code: 'NoSuchDistribution', retryable: false })
    expect(error.message).toMatch(
      /^\[freshet\] \[cloudfront\] NoSuchDistribution on ENOPE .*distributionId/,
    )
    expect(error.cause).toBeDefined()
  })

  it('says which failures may pass with time', async () => {
    emulator = await startCloudFrontEmulator({
      distributions: [DIST],
      limits: { maxPathsInProgress: 2 },
      completeAfterMs: 60_000,
    })
    const target = cloudFrontTarget({ client: clientFor(emulator.url), distributionId: DIST })
    const create = (callerReference: string, items: string[]) =>
      failure(target.create({ callerReference, items }, signal))
    await target.create({ callerReference: 'r1', items: ['/a', '/b'] }, signal)
    expect(await create('r2', ['/c'])).toMatchObject({
      code: 'TooManyInvalidationsInProgress',
      retryable: true,
    })
    expect(await create('r1', ['/z'])).toMatchObject({
      code: 'InvalidationBatchAlreadyExists',
      retryable: false,
    })
    expect((await create('r1', ['/z'])).message).toContain('already used with other paths')
    expect(await create('r3', ['x'])).toMatchObject({ code: 'InvalidArgument', retryable: false })
    expect(await create('r4', ['/a', '/b', '/c'])).toMatchObject({
      code: 'BatchTooLarge',
      retryable: false,
    })
    emulator.faults.failNext(1)
    expect(await create('r5', ['/a'])).toMatchObject({
      code: 'ServiceUnavailable',
      retryable: true,
    })
    emulator.faults.failNext(1, 'Throttling')
    expect(await create('r5', ['/a'])).toMatchObject({ code: 'Throttling', retryable: true })
    emulator.faults.failNext(1, 'AccessDenied')
    expect(await create('r5', ['/a'])).toMatchObject({ code: 'AccessDenied', retryable: false })
    await emulator.stop()
    expect(await create('r5', ['/a'])).toMatchObject({ retryable: true })
  })

  it('reaches the endpoint named by AWS_ENDPOINT_URL_CLOUDFRONT (read by the SDK itself)', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    const saved = process.env.AWS_ENDPOINT_URL_CLOUDFRONT
    process.env.AWS_ENDPOINT_URL_CLOUDFRONT = emulator.url
    try {
      const client = new CloudFrontClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      })
      const target = cloudFrontTarget({ client, distributionId: DIST })
      await target.create({ callerReference: 'env', items: ['/a'] }, signal)
      expect(emulator.stats.invalidationsCreated).toBe(1)
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT
      else process.env.AWS_ENDPOINT_URL_CLOUDFRONT = saved
    }
  })

  it('passes an abort through as it is', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST] })
    const target = cloudFrontTarget({ client: clientFor(emulator.url), distributionId: DIST })
    const controller = new AbortController()
    controller.abort(new Error('shutting down'))
    const error = await target
      .create({ callerReference: 'r', items: ['/a'] }, controller.signal)
      .catch((e: unknown) => e)
    expect(error).not.toBeInstanceOf(CdnError)
    expect(emulator.stats.invalidationsCreated).toBe(0)
  })
})

describe('cloudFrontOptions', () => {
  it('fills the documented defaults and documents every key', () => {
    expect(cloudFrontOptions.parse({ distributionId: 'E2ABC' })).toEqual({
      distributionId: 'E2ABC',
      maxPathsInProgress: 3000,
      maxWildcardsInProgress: 15,
      tags: false,
      edgeTags: false,
      rscVariants: false,
      widen: true,
      maxDelaySeconds: 120,
      allowSiteWide: false,
      pollInitialMs: 1000,
      pollMaxMs: 10_000,
      deadlineMinutes: 15,
      monthlyPathBudget: 1000,
    })
    for (const [key, schema] of Object.entries(cloudFrontOptions.shape)) {
      expect(schema.description, key).toBeTruthy()
    }
    expect(cloudFrontOptions.safeParse({ distributionId: 'bad id' }).success).toBe(false)
    expect(cloudFrontOptions.safeParse({ distributionId: 'E2', extra: 1 }).success).toBe(false)
  })
})
