/**
 * Webhook → completed with 3 test pods (answering at once) and a CloudFront emulator whose
 * invalidations complete at once, coalescing window 0: freshet's own overhead, i.e. the time
 * from sending the webhook to the event's `completed` minus the pods' own time (the slowest of
 * the parallel pod calls) and CloudFront's own time (its API calls, timed by a proxy). Events
 * are sent one after another. Run: `node bench/overhead.ts` (EVENTS=…, STORE=postgres;
 * PIPELINE_THREAD=main keeps PostgreSQL's pipeline on the main thread). With tracing on:
 * `PORT=4318 node bench/lib/otlp-sink.ts &` then `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318
 * node --import ./bench/lib/tracing-preload.ts bench/overhead.ts` (the bench's own webhooks and
 * emulators are in the same process, so their spans count too).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { serve } from '@hono/node-server'
import { startCloudFrontEmulator } from '../packages/emulators/src/cloudfront.ts'
import { startTestPod } from '../packages/emulators/src/pods.ts'
import { parseConfig } from '../packages/freshet/src/config/load.ts'
import { createService, pipelineInThread } from '../packages/freshet/src/service.ts'
import {
  dropSchemas,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { HOOK_TOKEN } from './lib/intake-common.ts'
import { percentile } from './lib/load.ts'
import { describeMachine } from './lib/machine.ts'
import { startTimingProxy } from './lib/timing-proxy.ts'

const EVENTS = Number(process.env.EVENTS ?? 60)
const WARMUP = 5
const STORE = process.env.STORE === 'postgres' ? 'postgres' : 'pglite'
const POD_TOKEN = 'bench-pod-token-0123456789'
const DIST = 'E2BENCHOVERHEAD'

const cloudfront = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 0 })
const proxy = await startTimingProxy(cloudfront.url)
const pods = await Promise.all([1, 2, 3].map(() => startTestPod({ token: POD_TOKEN })))
process.env.AWS_ENDPOINT_URL_CLOUDFRONT = proxy.url
process.env.AWS_ACCESS_KEY_ID ??= 'bench'
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench'
process.env.AWS_REGION ??= 'us-east-1'

const dir = mkdtempSync(join(tmpdir(), 'freshet-overhead-'))
const schema = uniqueSchema()
const config = parseConfig(
  {
    server: { port: 0, pipelineThread: process.env.PIPELINE_THREAD === 'main' ? 'main' : 'auto' },
    store: STORE === 'postgres' ? { url: postgresUrl, schema } : { dir },
    sources: { generic: { token: HOOK_TOKEN } },
    pods: { token: POD_TOKEN, discovery: { static: pods.map((p) => p.url) } },
    cdn: { cloudfront: { distributionId: DIST } },
    planner: { coalesce: { windowMs: 0, maxWaitMs: 0 } },
  },
  {} as NodeJS.ProcessEnv,
  'bench',
)
const service = await createService(config)
const finished = new Map<string, number>()
const podMs = new Map<string, number[]>()
const stageMs = new Map<string, number[]>()
const batchOf = new Map<string, string>()
service.lifecycle.on('events:finished', (e) => {
  for (const id of e.ids) finished.set(id, performance.now())
})
service.lifecycle.on('pod:delivered', (e) =>
  podMs.set(e.batchId, [...(podMs.get(e.batchId) ?? []), e.ms]),
)
service.lifecycle.on('stage:ended', (e) => {
  stageMs.set(e.batchId, [...(stageMs.get(e.batchId) ?? []), e.ms])
})
// Where the time goes: every lifecycle moment of a batch, in order.
const moments = new Map<string, Array<[string, number]>>()
const mark = (batchId: string, what: string) =>
  moments.set(batchId, [...(moments.get(batchId) ?? []), [what, performance.now()]])
service.lifecycle.on('batch:created', (e) => mark(e.batchId, 'batch created'))
service.lifecycle.on('stage:started', (e) => mark(e.batchId, `${e.stage} started`))
service.lifecycle.on('stage:ended', (e) => mark(e.batchId, `${e.stage} ended`))
service.lifecycle.on('batch:completed', (e) => mark(e.batchId, 'completed'))
const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' })
await new Promise((r) => server.once('listening', r))
const { port } = server.address() as { port: number }

interface Sample {
  accepted: number
  total: number
  pods: number
  cdn: number
  overhead: number
}

async function oneEvent(i: number): Promise<Sample> {
  const cdnBefore = proxy.calls.length
  const sent = performance.now()
  const response = await fetch(`http://127.0.0.1:${port}/hooks/generic`, {
    method: 'POST',
    headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ paths: [`/articles/${i}`, '/'], tags: [`article:${i}`] }),
  })
  const accepted = performance.now() - sent
  const { id } = (await response.json()) as { id: string }
  while (!finished.has(id)) await new Promise((r) => setTimeout(r, 1))
  const total = (finished.get(id) ?? 0) - sent
  const view = (await service.app.request(`/api/events/${id}`)).status
  void view
  const batchId = [...podMs.keys()].at(-1) ?? ''
  batchOf.set(id, batchId)
  const pods = Math.max(0, ...(podMs.get(batchId) ?? []))
  const cdn = proxy.calls.slice(cdnBefore).reduce((sum, call) => sum + call.ms, 0)
  return { accepted, total, pods, cdn, overhead: total - pods - cdn }
}

const samples: Sample[] = []
for (let i = 0; i < WARMUP + EVENTS; i++) {
  const sample = await oneEvent(i)
  if (i >= WARMUP) samples.push(sample)
}

const column = (key: keyof Sample) => samples.map((s) => s[key]).sort((a, b) => a - b)
const row = (label: string, key: keyof Sample) => {
  const values = column(key)
  return `| ${label} | ${percentile(values, 50).toFixed(1)} | ${percentile(values, 99).toFixed(1)} |`
}
const cdnCalls = proxy.calls.length / (WARMUP + EVENTS)
console.log(
  `\nWebhook → completed, ${EVENTS} sequential events (after ${WARMUP} warm-up), 3 pods, CloudFront completing at once, window 0, store ${STORE}, pipeline ${pipelineInThread(config) ? 'in its own thread' : 'on the main thread'}\nMachine: ${describeMachine()}\n`,
)
console.log('| ms | p50 | p99 |')
console.log('| --- | ---: | ---: |')
console.log(row('webhook → 202', 'accepted'))
console.log(row('webhook → completed', 'total'))
console.log(row('pods’ own time (slowest of 3, parallel)', 'pods'))
console.log(row(`CloudFront’s own time (${cdnCalls.toFixed(1)} calls per event)`, 'cdn'))
console.log(row('**freshet’s own overhead**', 'overhead'))

const steps = new Map<string, number[]>()
for (const list of [...moments.values()].slice(WARMUP)) {
  list.forEach(([what, at], i) => {
    const before = list[i - 1]
    if (!before) return
    const step = `${before[0]} → ${what}`
    steps.set(step, [...(steps.get(step) ?? []), at - before[1]])
  })
}
console.log('\n| step (batch lifecycle) | p50 ms | p99 ms | count |')
console.log('| --- | ---: | ---: | ---: |')
for (const [step, values] of steps) {
  values.sort((a, b) => a - b)
  const p = (q: number) => percentile(values, q).toFixed(1)
  console.log(`| ${step} | ${p(50)} | ${p(99)} | ${values.length} |`)
}

server.close()
await service.stop()
await Promise.all(pods.map((p) => p.close()))
await proxy.close()
await cloudfront.close()
rmSync(dir, { recursive: true, force: true })
if (STORE === 'postgres') await dropSchemas(postgresUrl, schema)

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
