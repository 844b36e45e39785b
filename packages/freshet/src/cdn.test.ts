import { type CloudFrontEmulator, startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { afterEach, describe, expect, it } from 'vitest'
import { createDistributions } from './cdn.ts'
import { parseConfig } from './config/load.ts'
import { createMetrics } from './observability/metrics.ts'
import { createLifecycle } from './pipeline/lifecycle.ts'

const DIST = 'E2CDNMETRICS'
let emulator: CloudFrontEmulator | undefined
let close = () => {}
const saved = { ...process.env }

afterEach(async () => {
  close()
  await emulator?.close()
  process.env = { ...saved }
})

describe('CloudFront call metrics', () => {
  it('counts each attempt: a Throttling the SDK retries, then the success', async () => {
    emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 60_000 })
    // The SDK reads its endpoint and credentials from the environment, as in production.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDFRONT: emulator.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    })
    const config = parseConfig(
      { cdn: { cloudfront: { distributionId: DIST } } },
      process.env,
      'cdn-metrics-tests',
    )
    const lifecycle = createLifecycle()
    const metrics = createMetrics(lifecycle, { defaultMetrics: false })
    const layers = createDistributions(config, lifecycle)
    close = layers.close
    const target = layers.distributions[0]?.target
    emulator.faults.failNext(1, 'Throttling')
    await target?.create({ callerReference: 'r1', items: ['/a'] }, AbortSignal.timeout(30_000))
    expect(emulator.stats.errorsByCode.Throttling).toBe(1)
    const text = await metrics.render()
    const calls = (outcome: string) =>
      `freshet_cloudfront_calls_total{distribution="${DIST}",operation="CreateInvalidation",outcome="${outcome}"} 1`
    expect(text).toContain(calls('Throttling'))
    expect(text).toContain(calls('ok'))
  }, 60_000)
})
