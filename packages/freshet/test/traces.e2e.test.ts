import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startTestPod } from '@freshet/emulators/pods'
import { describe, expect, it } from 'vitest'
import { postgresReachable, postgresUrl, uniqueSchema } from '../src/store/test-stores.ts'
import { exportingTo, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.ts'
import { freePort, spawnFreshet, waitFor, writeConfig } from './process.ts'

// One trace from a webhook (continuing the sender's traceparent) to CloudFront, across a
// SIGKILL and a restart: `freshet serve` as a real process exporting OTLP/HTTP (JSON) to a
// receiver here. On PostgreSQL the pipeline runs in its own thread, which exports its spans.
const stores = [{ name: 'pglite', url: undefined as string | undefined }]
if (await postgresReachable()) stores.push({ name: 'postgres', url: postgresUrl })

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SENDER_SPAN = '00f067aa0ba902b7'
const DISTRIBUTION = 'E2TRACES00001'
const CLIENT = 3
const PRODUCER = 4
const CONSUMER = 5

const named = (spans: ReceivedSpan[], prefix: string) =>
  spans.filter((s) => s.name.startsWith(prefix))

describe.each(stores)('traces on $name', ({ url }) => {
  it('keeps one trace id from the webhook to CloudFront across kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-traces-'))
    const receiver = await startOtlpReceiver()
    const cloudfront = await startCloudFrontEmulator({
      distributions: [DISTRIBUTION],
      completeAfterMs: 300,
    })
    const pods = await Promise.all([1, 2].map(() => startTestPod({ token: 'pod-token' })))
    // The pods refuse until the first process is gone: the pods stage is mid-retry at the kill.
    for (const pod of pods) pod.fail()
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const file = writeConfig(dir, {
      server: { port, host: '127.0.0.1', adminToken: 'admin' },
      store: { dir: join(dir, 'store'), ...(url ? { url, schema: uniqueSchema() } : {}) },
      sources: { generic: { token: 'hook' } },
      pods: {
        token: 'pod-token',
        discovery: { static: pods.map((p) => p.url) },
        retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100 },
        stageAttempts: 20,
      },
      cdn: { cloudfront: { distributionId: DISTRIBUTION, pollInitialMs: 100, pollMaxMs: 500 } },
      planner: { coalesce: { windowMs: 30, maxWaitMs: 200 } },
    })
    const env = {
      AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
      ...exportingTo(receiver.url, 'freshet-traces-test'),
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
    const inTrace = () => receiver.spans.filter((s) => s.traceId === TRACE_ID)
    try {
      const first = await start()
      const response = await fetch(`${base}/hooks/generic`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer hook',
          'content-type': 'application/json',
          traceparent: `00-${TRACE_ID}-${SENDER_SPAN}-01`,
        },
        body: JSON.stringify({ paths: ['/traced'] }),
      })
      expect(response.status).toBe(202)
      const { id } = (await response.json()) as { id: string }
      // A refused pod call of this trace is exported: the batch is in its pods stage.
      await expect
        .poll(
          () =>
            inTrace().some(
              (s) => s.kind === CLIENT && s.attributes['http.response.status_code'] === 500,
            ),
          { timeout: 60_000, interval: 100 },
        )
        .toBe(true)
      first.child.kill('SIGKILL')
      await first.exited
      const killedPid = inTrace()[0]?.resource['process.pid']
      for (const pod of pods) pod.heal()

      const second = await start()
      await expect
        .poll(
          async () => {
            const event = await fetch(`${base}/api/events/${id}`, {
              headers: { authorization: 'Bearer admin' },
            })
            return ((await event.json()) as { status: string }).status
          },
          { timeout: 120_000, interval: 200 },
        )
        .toBe('completed')
      const view = await fetch(`${base}/api/events/${id}`, {
        headers: { authorization: 'Bearer admin' },
      })
      // The event names its trace.
      expect(((await view.json()) as { traceId?: string }).traceId).toBe(TRACE_ID)
      // Its stage and webhook → completed durations carry the trace id as an exemplar.
      const metrics = await fetch(`${base}/metrics`)
      expect(metrics.headers.get('content-type')).toContain('application/openmetrics-text')
      const text = await metrics.text()
      expect(text).toMatch(
        new RegExp(
          `freshet_stage_duration_seconds_bucket\\{[^}]*\\} \\d+ # \\{trace_id="${TRACE_ID}"\\}`,
        ),
      )
      expect(text).toMatch(
        new RegExp(
          `freshet_event_duration_seconds_bucket\\{[^}]*\\} \\d+ # \\{trace_id="${TRACE_ID}"\\}`,
        ),
      )
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
      // A clean stop flushes what the second process still held.
      const spans = inTrace()

      // The webhook's server span continues the sender's span.
      const [webhook] = named(spans, 'POST /hooks/')
      expect(webhook?.parentSpanId).toBe(SENDER_SPAN)
      expect(webhook?.attributes['http.route']).toBe('/hooks/:source')
      expect(webhook?.attributes['http.response.status_code']).toBe(202)
      // The batch continues it and links to the event's span.
      const [created] = named(spans, 'create freshet-plan')
      expect(created?.kind).toBe(PRODUCER)
      expect(created?.links.map((l) => l.spanId)).toContain(webhook?.spanId)
      // Every stage ran as a job span of this trace, with messaging attributes.
      for (const queue of ['freshet-plan', 'freshet-pods', 'freshet-cdn', 'freshet-track']) {
        const jobs = named(spans, `process ${queue}`)
        expect(jobs.length, queue).toBeGreaterThan(0)
        expect(jobs[0]?.kind).toBe(CONSUMER)
        expect(jobs[0]?.attributes).toMatchObject({
          'messaging.system': 'pg-boss',
          'messaging.operation.type': 'process',
          'messaging.destination.name': queue,
        })
      }
      // Pod calls, refused before the kill and confirmed after it, with HTTP attributes.
      const podCalls = spans.filter(
        (s) =>
          s.kind === CLIENT && pods.some((p) => String(s.attributes['url.full']).startsWith(p.url)),
      )
      const statuses = new Set(podCalls.map((s) => s.attributes['http.response.status_code']))
      expect([...statuses].sort()).toEqual([200, 500])
      expect(podCalls[0]?.attributes['http.request.method']).toBe('POST')
      // The CloudFront call: the AWS SDK's span and its HTTP request.
      const [createInvalidation] = named(spans, 'CloudFront.CreateInvalidation')
      expect(createInvalidation?.attributes['rpc.method']).toBe('CreateInvalidation')
      const cdnCalls = spans.filter(
        (s) =>
          s.kind === CLIENT &&
          String(s.attributes['url.full']).startsWith(
            `${cloudfront.url}/2020-05-31/distribution/${DISTRIBUTION}/invalidation`,
          ),
      )
      expect(cdnCalls.map((s) => s.attributes['http.request.method'])).toContain('POST')
      expect(cdnCalls.map((s) => s.attributes['http.response.status_code'])).toContain(201)
      // Both processes exported into this one trace.
      const pids = new Set(spans.map((s) => s.resource['process.pid']))
      expect(pids.size).toBe(2)
      expect(pids).toContain(killedPid)
      expect(spans.every((s) => s.resource['service.name'] === 'freshet-traces-test')).toBe(true)
      // The store's queries inside a stage are spans of the trace too: the pg instrumentation's
      // on PostgreSQL, freshet's own on PGlite (no `pg` driver there to patch), named alike.
      const queries = named(spans, 'pg.query')
      expect(queries.length).toBeGreaterThan(0)
      expect(new Set(queries.map((q) => q.scope))).toEqual(
        new Set([url ? '@opentelemetry/instrumentation-pg' : 'freshet']),
      )
      for (const query of queries) {
        expect(query.kind).toBe(CLIENT)
        expect(query.attributes['db.system.name']).toBe('postgresql')
        expect(query.attributes['db.query.text']).toEqual(expect.any(String))
      }
      const byId = new Map(spans.map((s) => [s.spanId, s]))
      const parentName = (s: ReceivedSpan) => byId.get(s.parentSpanId)?.name ?? ''
      expect(queries.some((q) => parentName(q) === 'process freshet-plan')).toBe(true)
      // The webhook's insert, named by its statement's name on both.
      const insert = queries.find((q) => q.name.startsWith('pg.query:freshet_insert_events '))
      expect(insert && parentName(insert)).toBe('POST /hooks/:source')
      // Parameter values stay out of them: the event's path is a parameter of its insert.
      const values = queries.flatMap((q) => Object.values(q.attributes).map(String))
      expect(values.filter((v) => v.includes('/traced'))).toEqual([])
      if (!url) expect(queries[0]?.attributes['db.namespace']).toBe('postgres|public')
      // Only traces were exported: no metrics or logs to the OTLP endpoint.
      expect(new Set(receiver.requests)).toEqual(new Set(['POST /v1/traces']))
    } finally {
      await Promise.all(pods.map((p) => p.close()))
      await cloudfront.close()
      await receiver.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
