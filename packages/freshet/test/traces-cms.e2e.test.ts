import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signRequest } from '@contentful/node-apps-toolkit'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { createContentfulEmulator } from '@freshet/emulators/contentful'
import { startTestPod } from '@freshet/emulators/pods'
import { describe, expect, it } from 'vitest'
import { postgresReachable, postgresUrl, uniqueSchema } from '../src/store/test-stores.ts'
import { ancestorsOf, exportingTo, startOtlpReceiver } from './otlp-receiver.ts'
import { freePort, spawnFreshet, writeConfig } from './process.ts'

// A Contentful publish whose planning reads the CMS (read-after-publish's revision check, the
// parents walk): those reads are client spans of the webhook's trace, inside the plan stage's
// job span, with the stable HTTP attributes, in the same trace as the CloudFront call.
const stores = [{ name: 'pglite', url: undefined as string | undefined }]
if (await postgresReachable()) stores.push({ name: 'postgres', url: postgresUrl })

const TRACE_ID = '5af7183fb1d4cf5f9c3a2e6d8b4c1f07'
const SENDER_SPAN = '1a2b3c4d5e6f7a8b'
const DISTRIBUTION = 'E2TRACESCMS01'
const SPACE = 'space1'
const CDA_TOKEN = 'cda-token-kept-out-of-spans'
const SIGNING_SECRET = 'tracesCmsSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEF'
const CLIENT = 3

function signedPublish(entity: { sys: Record<string, unknown> }) {
  const body = JSON.stringify({
    ...entity,
    sys: { ...entity.sys, space: { sys: { type: 'Link', linkType: 'Space', id: SPACE } } },
  })
  const headers = {
    'content-type': 'application/vnd.contentful.management.v1+json',
    'x-contentful-topic': 'ContentManagement.Entry.publish',
  }
  const path = '/hooks/contentful'
  const signature = signRequest(SIGNING_SECRET, { method: 'POST', path, headers, body })
  return { path, body, headers: { ...headers, ...signature } }
}

describe.each(stores)('CMS reads in the trace on $name', ({ url }) => {
  it("puts the planner's Contentful reads inside the webhook's trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-traces-cms-'))
    const receiver = await startOtlpReceiver()
    const contentful = createContentfulEmulator({ spaceId: SPACE, accessToken: CDA_TOKEN })
    const cdaUrl = await contentful.listen()
    const cloudfront = await startCloudFrontEmulator({ distributions: [DISTRIBUTION] })
    const pod = await startTestPod({ token: 'pod-token' })
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const file = writeConfig(dir, {
      server: { port, host: '127.0.0.1', adminToken: 'admin' },
      store: { dir: join(dir, 'store'), ...(url ? { url, schema: uniqueSchema() } : {}) },
      sources: {
        contentful: { signingSecret: SIGNING_SECRET, spaceId: SPACE, accessToken: CDA_TOKEN },
      },
      routes: [{ collection: 'post', source: 'contentful', paths: ['/blog/{slug}'] }],
      pods: { token: 'pod-token', discovery: { static: [pod.url] } },
      cdn: { cloudfront: { distributionId: DISTRIBUTION, pollInitialMs: 100, pollMaxMs: 500 } },
      planner: {
        coalesce: { windowMs: 30, maxWaitMs: 200 },
        contentful: { host: cdaUrl, readAfterPublish: { pollInitialMs: 50, pollMaxMs: 200 } },
      },
    })
    const run = spawnFreshet(
      ['serve', '--config', file],
      {
        AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_REGION: 'us-east-1',
        ...exportingTo(receiver.url, 'freshet-traces-cms-test'),
      },
      dir,
    )
    const admin = { headers: { authorization: 'Bearer admin' } }
    try {
      const ready = () =>
        fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      await expect
        .poll(ready, { timeout: 60_000 })
        .toBe(true)
        .catch((e: Error) => {
          throw new Error(`${e.message}\n${run.output()}`)
        })
      const entity = contentful.graph.publishEntry('post-1', 'post', {
        slug: { 'en-US': 'traced-post' },
        title: { 'en-US': 'Traced' },
      })
      const hook = signedPublish(entity)
      const response = await fetch(`${base}${hook.path}`, {
        method: 'POST',
        headers: { ...hook.headers, traceparent: `00-${TRACE_ID}-${SENDER_SPAN}-01` },
        body: hook.body,
      })
      expect(response.status).toBe(202)
      const { id } = (await response.json()) as { id: string }
      const status = async () => {
        const event = await fetch(`${base}/api/events/${id}`, admin)
        return ((await event.json()) as { status: string }).status
      }
      await expect.poll(status, { timeout: 60_000, interval: 200 }).toBe('completed')
      expect(pod.calls.flatMap((c) => (c.body as { paths?: string[] }).paths ?? [])).toContain(
        '/blog/traced-post',
      )
      run.child.kill('SIGTERM')
      expect(await run.exited).toBe(0)
      const spans = receiver.spans.filter((s) => s.traceId === TRACE_ID)

      const [webhook] = spans.filter((s) => s.name.startsWith('POST /hooks/'))
      expect(webhook?.parentSpanId).toBe(SENDER_SPAN)
      // The CMS reads: client spans with the stable HTTP client attributes.
      const reads = spans.filter(
        (s) => s.kind === CLIENT && String(s.attributes['url.full']).startsWith(cdaUrl),
      )
      expect(reads.length).toBeGreaterThan(0)
      const { port: cdaPort } = new URL(cdaUrl)
      for (const read of reads) {
        expect(read.attributes).toMatchObject({
          'http.request.method': 'GET',
          'url.full': expect.stringContaining(`/spaces/${SPACE}/environments/master/`),
          'server.address': '127.0.0.1',
          'server.port': Number(cdaPort),
          'http.response.status_code': 200,
        })
        // Inside the plan stage's job, under the webhook's span.
        const above = ancestorsOf(read, spans).map((s) => s.spanId)
        const plan = spans.find(
          (s) => s.name === 'process freshet-plan' && above.includes(s.spanId),
        )
        expect(plan, read.attributes['url.full'] as string).toBeDefined()
        expect(above).toContain(webhook?.spanId)
      }
      // Read-after-publish asked which revision the Delivery API serves; the parents walk, which
      // entries link to the entry.
      const urls = reads.map((r) => String(r.attributes['url.full']))
      expect(urls).toContainEqual(expect.stringContaining('sys.id%5Bin%5D=post-1'))
      expect(urls).toContainEqual(expect.stringContaining('links_to_entry=post-1'))
      // The same trace reaches CloudFront.
      expect(spans.map((s) => s.name)).toContain('CloudFront.CreateInvalidation')
      // The CMS token is a header, never an attribute.
      const values = spans.flatMap((s) => Object.values(s.attributes).map(String))
      expect(values.filter((v) => v.includes(CDA_TOKEN))).toEqual([])
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL')
      await pod.close()
      await cloudfront.close()
      await contentful.close()
      await receiver.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
