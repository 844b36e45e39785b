import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPglite } from '../store/pglite.ts'
import { adminHeaders, errorOf, settle, startTestService, type TestService } from './app.fixture.ts'

describe('the HTTP app: health, metrics, errors', () => {
  let h: TestService
  beforeAll(async () => {
    h = await startTestService()
  })
  afterAll(async () => h?.close())

  it('GET /healthz answers 200 while the process is up', async () => {
    const response = await h.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('routes with the RegExpRouter, which a static path beside a parameter would rule out', async () => {
    const app = h.appWith({})
    await app.request('/healthz')
    // SmartRouter settles on the first router that takes every route, at the first match.
    const router = app.router as unknown as { activeRouter: { name: string } }
    expect(router.activeRouter.name).toBe('RegExpRouter')
  })

  it('GET /readyz answers 200 once the store is migrated', async () => {
    const response = await h.request('/readyz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ready' })
  })

  it('GET /readyz answers 503 naming the reason on an unmigrated store, or while stopping', async () => {
    const fresh = await openPglite()
    try {
      const unmigrated = await h.appWith({ db: fresh }).request('/readyz')
      expect(unmigrated.status).toBe(503)
      expect(await unmigrated.json()).toMatchObject({ reason: expect.stringContaining('pending') })
    } finally {
      await fresh.close()
    }
    const stopping = await h.appWith({ accepting: () => false }).request('/readyz')
    expect(stopping.status).toBe(503)
  })

  it('GET /metrics is Prometheus text with events, stages, pods and CloudFront', async () => {
    const response = await h.hook({ paths: ['/metrics-test'] })
    const { id } = (await response.json()) as { id: string }
    await settle(h, id)
    const metrics = await h.request('/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await metrics.text()
    for (const name of [
      'freshet_events_received_total',
      'freshet_stage_duration_seconds',
      'freshet_pod_deliveries_total',
      'freshet_cloudfront_calls_total',
      'freshet_events_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `)
    }
    expect(text).toMatch(
      /freshet_events_received_total\{source="generic",duplicate="false"\} [1-9]/,
    )
    expect(text).toMatch(/freshet_events_total\{source="generic",status="completed"\} [1-9]/)
    expect(text).toMatch(/freshet_stage_duration_seconds_count\{stage="planning"\} [1-9]/)
  })

  it('answers 404 in the error shape for a route that does not exist', async () => {
    const response = await h.request('/no/such/route')
    expect(response.status).toBe(404)
    expect((await errorOf(response)).code).toBe('not_found')
  })

  it('answers 413 to an oversized body on any route, before authentication', async () => {
    const response = await h.request('/api/invalidations', {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      body: `{"paths":["/a"],"x":"${'y'.repeat(1024 * 1024)}"}`,
    })
    expect(response.status).toBe(413)
    expect((await errorOf(response)).code).toBe('body_too_large')
  })

  it('turns an unexpected failure into a 500 in the error shape that reveals nothing', async () => {
    const broken = h.appWith({
      pipeline: {
        accept: () => Promise.reject(new Error('connection string postgres://user:pw@db')),
        retry: async () => undefined,
      },
      adminToken: adminHeaders.authorization.slice('Bearer '.length),
    })
    const response = await broken.request('/api/invalidations', {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      body: '{"paths":["/a"]}',
    })
    expect(response.status).toBe(500)
    const error = await errorOf(response)
    expect(error.code).toBe('internal')
    expect(error.message).not.toContain('postgres://')
  })
})
