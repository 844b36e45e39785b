/**
 * Webhooks accepted per second, end to end through the HTTP server, per source: the real app on
 * `@hono/node-server` on loopback, credentials and signatures checked (Contentful's signed by its
 * own toolkit), every 202 durable in the embedded PGlite store, with the pipeline running beside
 * it (no pods or CDN configured: those stages are skipped). Bounded concurrency from an undici
 * Pool. Run: `node bench/intake-sources.ts`. Prints a markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { signRequest } from '@contentful/node-apps-toolkit'
import { serve } from '@hono/node-server'
import { Pool } from 'undici'
import { parseConfig } from '../packages/freshet/src/config/load.ts'
import { createService } from '../packages/freshet/src/service.ts'

const SECONDS_PER_RUN = Number(process.env.BENCH_SECONDS ?? 4)
const ROUNDS = 2
const CONCURRENCY = 32
const DIRECTUS_SECRET = 'directus-flow-secret-0123456789'
const GENERIC_TOKEN = 'generic-hook-token-0123456789'
const CONTENTFUL_SECRET = 'qlfkupAwYA4ZkNnmBzmNypFqSRWOwhpGRFwQFn5iPNAGHSYdvwed1C77n0Eiaz19'

interface Shot {
  path: string
  headers: Record<string, string>
  body: string
}

const json = { 'content-type': 'application/json' }
const shots: Record<string, (i: number) => Shot> = {
  generic: (i) => ({
    path: '/hooks/generic',
    headers: { ...json, authorization: `Bearer ${GENERIC_TOKEN}` },
    body: JSON.stringify({ paths: ['/', `/articles/a-${i}`, '/articles'], tags: [`article:${i}`] }),
  }),
  directus: (i) => ({
    path: '/hooks/directus',
    headers: { ...json, authorization: `Bearer ${DIRECTUS_SECRET}` },
    body: JSON.stringify({
      event: 'articles.items.update',
      payload: { title: 'A realistic title', slug: `a-${i}`, body: 'Paragraph. '.repeat(30) },
      keys: [String(i)],
      collection: 'articles',
    }),
  }),
  contentful: (i) => {
    const body = JSON.stringify({
      sys: {
        type: 'Entry',
        id: `entry-${i}`,
        contentType: { sys: { id: 'article' } },
        space: { sys: { id: 'abc123' } },
        environment: { sys: { id: 'master' } },
      },
      fields: { slug: { 'en-US': `a-${i}` }, body: { 'en-US': 'Paragraph. '.repeat(30) } },
    })
    const headers = {
      'content-type': 'application/vnd.contentful.management.v1+json',
      'x-contentful-topic': 'ContentManagement.Entry.publish',
      'x-contentful-idempotency-key': `bench-${i}-${Math.random()}`,
    }
    const path = '/hooks/contentful'
    const signed = signRequest(CONTENTFUL_SECRET, { method: 'POST', path, headers, body })
    return { path, headers: { ...headers, ...signed }, body }
  },
}

async function start() {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-'))
  const config = parseConfig(
    {
      server: { port: 0 },
      store: { dir },
      sources: {
        generic: { token: GENERIC_TOKEN },
        directus: { secret: DIRECTUS_SECRET },
        contentful: { signingSecret: CONTENTFUL_SECRET, spaceId: 'abc123' },
      },
      routes: [{ collection: 'articles', paths: ['/articles/{slug}'] }],
    },
    {} as NodeJS.ProcessEnv,
    'bench',
  )
  const service = await createService(config)
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((r) => server.once('listening', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.close()
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Sends as fast as CONCURRENCY callers can for the run's duration; requests built beforehand. */
async function run(pool: Pool, make: (i: number) => Shot, offset: number) {
  const prepared = Array.from({ length: 20_000 }, (_, i) => make(offset + i))
  const latencies: number[] = []
  let next = 0
  let refused = 0
  const until = performance.now() + SECONDS_PER_RUN * 1000
  const started = performance.now()
  const caller = async () => {
    while (performance.now() < until && next < prepared.length) {
      const shot = prepared[next++] as Shot
      const t0 = performance.now()
      const answer = await pool.request({ method: 'POST', ...shot })
      await answer.body.dump()
      latencies.push(performance.now() - t0)
      if (answer.statusCode !== 202) refused++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, caller))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
  return { perSecond: (latencies.length - refused) / seconds, p50: at(0.5), p99: at(0.99), refused }
}

const freshet = await start()
const pool = new Pool(freshet.url, { connections: CONCURRENCY, pipelining: 1 })
const results = new Map<
  string,
  { perSecond: number; p50: number; p99: number; refused: number }[]
>()
try {
  for (const name of Object.keys(shots)) await run(pool, shots[name] as (i: number) => Shot, 9e6) // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(shots)) {
      const result = await run(pool, make, round * 1e6)
      results.set(name, [...(results.get(name) ?? []), result])
    }
  }
} finally {
  await pool.close()
  await freshet.stop()
}

const best = <T extends { perSecond: number }>(xs: T[]): T =>
  xs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))
console.log(
  `\n${SECONDS_PER_RUN} s per run, ${CONCURRENCY} concurrent callers, best of ${ROUNDS} rounds\n`,
)
console.log('| source | accepted/s | p50 ms | p99 ms | refused |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const [name, runs] of results) {
  const r = best(runs)
  const refused = runs.reduce((n, x) => n + x.refused, 0)
  console.log(
    `| ${name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${refused} |`,
  )
}

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
