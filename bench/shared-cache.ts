/**
 * What a shared Next.js cache changes for freshet, measured on the example site: 3 `next start`
 * pods of one build, with and without `@fortedigital/nextjs-cache-handler` on the Redis at
 * `REDIS_URL` (default 127.0.0.1:6379, a key prefix per run, deleted at the end). Run:
 * `node bench/shared-cache.ts`.
 *
 * Each run: a new article, read twice on every pod (so each pod holds it in whatever cache it
 * has); its title changes; ONE pod (pod-0) gets `POST /api/revalidate`, by path
 * (`/articles/<slug>`, `/legacy/<slug>`) or by tag (`articles:<id>`); then the first request to
 * each other pod, once right after the answer and once more. Prints how many reads were fresh.
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createClient } from 'redis'
import { startContentApi } from '../packages/emulators/src/content-api.ts'
import { buildSite, startFleet } from '../packages/emulators/src/next-fleet.ts'

const RUNS = Number(process.env.RUNS ?? 10)
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const TOKEN = 'shared-cache-bench'
const run = randomUUID().slice(0, 8)

const api = await startContentApi()
await buildSite({ contentApiUrl: api.url })
const redis = createClient({ url: REDIS_URL })
await redis.connect()

const title = async (base: string, path: string) => {
  const html = await (await fetch(new URL(path, base))).text()
  return html.match(/data-testid="title">([^<]*)</)?.[1]
}

async function revalidate(pod: string, body: { paths?: string[]; tags?: string[] }) {
  const started = performance.now()
  const response = await fetch(new URL('/api/revalidate', pod), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ paths: [], tags: [], ...body }),
  })
  if (!response.ok) throw new Error(`revalidate answered ${response.status}`)
  return performance.now() - started
}

async function measure(mode: 'none' | 'redis') {
  const prefix = `freshet-bench-${run}-${mode}:`
  const env: Record<string, string> =
    mode === 'redis'
      ? { FRESHET_EXAMPLE_REDIS_URL: REDIS_URL, FRESHET_EXAMPLE_REDIS_PREFIX: prefix }
      : {}
  const fleet = await startFleet({ count: 3, contentApiUrl: api.url, token: TOKEN, env })
  const [first, ...others] = fleet.pods
  if (!first) throw new Error('no pods')
  const counts = {
    path: { fresh: 0, later: 0, reads: 0, ms: [] as number[] },
    tag: { fresh: 0, later: 0, reads: 0, ms: [] as number[] },
  }
  let id = mode === 'redis' ? 70_000 : 60_000
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['path', 'tag'] as const) {
        id++
        const slug = `shared-${run}-${id}`
        api.set({ id, slug, title: `Before ${id}`, body: 'body' })
        const paths =
          kind === 'path' ? [`/articles/${slug}`, `/legacy/${slug}`] : [`/articles/${slug}`]
        for (const pod of fleet.pods)
          for (const path of paths) for (const _ of [1, 2]) await title(pod.url, path)
        const after = `After ${id}`
        api.update(id, { title: after })
        const ms = await revalidate(
          first.url,
          kind === 'path' ? { paths } : { tags: [`articles:${id}`] },
        )
        counts[kind].ms.push(ms)
        for (const pod of others)
          for (const path of paths) {
            counts[kind].reads++
            if ((await title(pod.url, path)) === after) counts[kind].fresh++
          }
        await new Promise((wake) => setTimeout(wake, 500))
        for (const pod of others)
          for (const path of paths) if ((await title(pod.url, path)) === after) counts[kind].later++
      }
    }
  } finally {
    await fleet.stop()
  }
  const keys = mode === 'redis' ? (await redis.keys(`${prefix}*`)).length : 0
  if (keys > 0) await redis.unlink(await redis.keys(`${prefix}*`))
  return { mode, ...counts, keys }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
console.log(
  '| cache | by | first read on the other 2 pods fresh | 500 ms later | revalidate call on pod-0 (median ms) |',
)
console.log('| --- | --- | --- | --- | --- |')
for (const mode of ['none', 'redis'] as const) {
  const r = await measure(mode)
  for (const kind of ['path', 'tag'] as const)
    console.log(
      `| ${mode} | ${kind} | ${r[kind].fresh} of ${r[kind].reads} | ${r[kind].later} | ${median(r[kind].ms).toFixed(0)} |`,
    )
  if (mode === 'redis') console.log(`(redis keys under the run's prefix: ${r.keys}, deleted)`)
}
await redis.quit()
await api.close()
