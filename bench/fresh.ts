/**
 * Time from webhook to fresh, with the real example site: 3 `next start` pods (Kubernetes
 * discovery via the EndpointSlice emulator), the CloudFront emulator (invalidations complete
 * after 100 ms; AWS quotes < 25 s at P95) and the caching edge, freshet via `createService`.
 * Run: `node bench/fresh.ts` (about a minute; builds the site first if its sources changed).
 *
 * Each run: a new article, warmed on every pod and through the edge; its title changes; one
 * webhook, by path (`/articles/<slug>`, `/legacy/<slug>`) or by tag (`articles:<id>`). Measured
 * from sending the webhook to: every pod confirmed (`pods:confirmed`: from then the first request
 * to any pod is fresh), and the event `completed` (the CDN invalidation Completed: fresh through
 * the edge). Then every pod and the edge are read once to check the first request is fresh.
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { startStack, titleAt } from '../packages/freshet/test/freshness.stack.ts'

const RUNS = 20
const run = randomUUID().slice(0, 8)

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

const stack = await startStack({ pods: 3, completeAfterMs: 100 })
const confirmedAt = new Map<string, number>()
stack.service.lifecycle.on('pods:confirmed', (e) => confirmedAt.set(e.batchId, performance.now()))

async function oneRun(i: number, kind: 'path' | 'tag') {
  const id = 9000 + i * 2 + (kind === 'tag' ? 1 : 0)
  const slug = `bench-${run}-${id}`
  stack.api.set({ id, slug, title: `Before ${id}`, body: 'body' })
  const paths = kind === 'path' ? [`/articles/${slug}`, `/legacy/${slug}`] : [`/articles/${slug}`]
  for (const base of [...stack.slots.map((pod) => pod.url), stack.edge.url])
    for (const path of paths) await titleAt(base, path)
  const title = `After ${id} ${randomUUID().slice(0, 6)}`
  stack.api.update(id, { title })
  const started = performance.now()
  const eventId = await stack.webhook(kind === 'path' ? { paths } : { tags: [`articles:${id}`] })
  const event = (await stack.settle(eventId)) as { status: string; batchId?: string }
  const completedMs = performance.now() - started
  const podsMs = (confirmedAt.get(event.batchId ?? '') ?? Number.NaN) - started
  let fresh = event.status === 'completed'
  for (const base of [...stack.slots.map((pod) => pod.url), stack.edge.url])
    for (const path of paths) if ((await titleAt(base, path)) !== title) fresh = false
  return { podsMs, completedMs, fresh }
}

try {
  const rows = []
  for (const kind of ['path', 'tag'] as const) {
    const results = []
    for (let i = 0; i < RUNS; i++) results.push(await oneRun(i, kind))
    const pods = results.map((r) => r.podsMs)
    const done = results.map((r) => r.completedMs)
    rows.push({ kind, pods, done, fresh: results.filter((r) => r.fresh).length })
  }
  console.log(`\n### Webhook to fresh: 3 Next.js pods, ${RUNS} runs each\n`)
  console.log(
    '| webhook by | every pod confirmed p50 / p95 ms | completed (CDN) p50 / p95 ms | first request fresh |',
  )
  console.log('| --- | ---: | ---: | ---: |')
  for (const { kind, pods, done, fresh } of rows) {
    const pair = (values: number[]) =>
      `${percentile(values, 50).toFixed(0)} / ${percentile(values, 95).toFixed(0)}`
    console.log(`| ${kind} | ${pair(pods)} | ${pair(done)} | ${fresh} of ${RUNS} |`)
  }
} finally {
  await stack.close()
}

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
