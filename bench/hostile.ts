/**
 * Memory under hostile load: `freshet serve` (embedded store, all three sources) as its own
 * process takes 10,000 mixed bad requests, 32 at a time, then idles 30 s. Reports the peak RSS
 * (the kernel's high-water mark, VmHWM) and the RSS after the idle period, and counts the
 * answers by status (a 5xx would be a bug). The mix: NUL and lone surrogates, 10,000 bad paths,
 * bodies nested 400,000 deep, bodies over 1 MiB, bodies of 1 MiB just under the limit, bad and
 * unsigned Contentful signatures, prototype-named topics, replays, dot-segment Directus keys,
 * wrong secrets, lying Content-Length and bodies cut off mid-way (raw sockets).
 * Run: `node bench/hostile.ts` (REQUESTS=…, CONCURRENCY=…, IDLE_S=…, STORE=postgres).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signRequest } from '@contentful/node-apps-toolkit'
import { stringify } from 'yaml'
import {
  dropSchemas,
  postgresUrl,
  uniqueSchema,
} from '../packages/freshet/src/store/test-stores.ts'
import { describeMachine } from './lib/machine.ts'

const REQUESTS = Number(process.env.REQUESTS ?? 10_000)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32)
const IDLE_S = Number(process.env.IDLE_S ?? 30)
const GENERIC = 'hostile-generic-token-0123456789'
const DIRECTUS = 'hostile-directus-secret-0123456789'
const CONTENTFUL = 'hostileSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'.slice(0, 64)
const CLI = new URL('../packages/freshet/src/cli/main.ts', import.meta.url).pathname

const STORE = process.env.STORE === 'postgres' ? 'postgres' : 'pglite'
const schema = uniqueSchema()
const dir = mkdtempSync(join(tmpdir(), 'freshet-hostile-'))
const port = 20_000 + Math.floor(Math.random() * 20_000)
const config = join(dir, 'freshet.yaml')
writeFileSync(
  config,
  stringify({
    server: { port, host: '127.0.0.1', adminToken: 'hostile-admin', shutdownGraceMs: 500 },
    store: {
      dir: join(dir, 'store'),
      ...(STORE === 'postgres' ? { url: postgresUrl, schema } : {}),
    },
    sources: {
      generic: { token: GENERIC },
      directus: { secret: DIRECTUS },
      contentful: { signingSecret: CONTENTFUL },
    },
    planner: { coalesce: { windowMs: 0, maxWaitMs: 0 } },
  }),
)
const base = `http://127.0.0.1:${port}`
const PROBE = new URL('./lib/memory-probe.ts', import.meta.url).pathname
const probeFile = join(dir, 'memory.json')
const child: ChildProcess = spawn(
  process.execPath,
  ['--import', PROBE, CLI, 'serve', '--config', config],
  {
    cwd: dir,
    env: { ...process.env, FRESHET_LOG_LEVEL: 'warn', MEMORY_PROBE: probeFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
)

type Usage = Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>
/** The child's own account: `process.memoryUsage()` now, at its highest RSS, and each maximum. */
const probe = () =>
  JSON.parse(readFileSync(probeFile, 'utf8')) as { now: Usage; atPeak: Usage; max: Usage }
const breakdown = (u: Usage) =>
  `rss ${mib(u.rss)} = V8 heap ${mib(u.heapTotal)} (used ${mib(u.heapUsed)}) + external ${mib(u.external)} (array buffers ${mib(u.arrayBuffers)}) + the rest ${mib(u.rss - u.heapTotal - u.external)}`

const status = (field: 'VmRSS' | 'VmHWM') => {
  const text = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  return Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024
}
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`

for (let tries = 0; ; tries++) {
  const ready = await fetch(`${base}/readyz`).then(
    (r) => r.ok,
    () => false,
  )
  if (ready) break
  if (tries > 3000) {
    child.kill('SIGKILL')
    throw new Error('[bench] [hostile] freshet did not get ready in 5 minutes')
  }
  await new Promise((r) => setTimeout(r, 100))
}
const startRss = status('VmRSS')
// The high-water mark before the first request: what starting (PGlite's boot) cost on its own.
const startHwm = status('VmHWM')
const atStart = probe().now

// ---- the requests ----------------------------------------------------------------------------

type Request = { path: string; headers: Record<string, string>; body: string }
const json = { 'content-type': 'application/json' }
const generic = (body: string): Request => ({
  path: '/hooks/generic',
  headers: { ...json, authorization: `Bearer ${GENERIC}` },
  body,
})
const directus = (body: string, secret = DIRECTUS): Request => ({
  path: '/hooks/directus',
  headers: { ...json, authorization: `Bearer ${secret}` },
  body,
})
const CMA = 'application/vnd.contentful.management.v1+json'
const entry = (id: string) =>
  JSON.stringify({
    sys: { type: 'Entry', id, contentType: { sys: { id: 'post' } } },
    fields: { title: { 'en-US': 'x' } },
  })
function contentful(body: string, topic: string, signed: string[] = ['content-type', 'topic']) {
  const headers = { 'content-type': CMA, 'x-contentful-topic': `ContentManagement.${topic}` }
  const covered = Object.fromEntries(
    Object.entries(headers).filter(([name]) => signed.some((s) => name.endsWith(s))),
  )
  const signature = signRequest(CONTENTFUL, {
    method: 'POST',
    path: '/hooks/contentful',
    headers: covered,
    body,
  })
  return { path: '/hooks/contentful', headers: { ...headers, ...signature }, body }
}

const badPaths = JSON.stringify({
  paths: Array.from({ length: 10_000 }, (_, i) => `no-slash-${i}`),
})
const deep = `{"paths":${'['.repeat(400_000)}${']'.repeat(400_000)}}`
const overLimit = JSON.stringify({ paths: ['/'], pad: 'x'.repeat(1024 * 1024) })
const underLimit = JSON.stringify({
  event: 'articles.items.update',
  keys: ['..'],
  payload: { pad: 'y'.repeat(1024 * 1024 - 200) },
})
let replayed: Request | undefined

const kinds: (() => Request | 'cut' | 'lie')[] = [
  () => generic('{"paths":["/a\\u0000"]}'),
  () => generic('{"tags":["t\\ud800"]}'),
  () => generic(badPaths),
  () => generic(deep),
  () => generic(overLimit),
  () => directus(underLimit),
  () => directus('{"event":"articles.items.update","keys":[".."]}'),
  () => directus('{"event":"../x.items.update","keys":[1]}', 'wrong-secret-0123456789'),
  () => directus(`{"event":"articles.items.update","keys":[1],"payload":{"t":"\\u0000"}}`),
  () => contentful(entry('e1'), 'Entry.publish', ['content-type']),
  () => contentful(entry('e1'), 'Entry.constructor'),
  () => contentful(entry('..'), 'Entry.publish'),
  () => {
    replayed ??= contentful(entry('replay'), 'Entry.publish')
    return replayed
  },
  () => ({ ...contentful(entry('e2'), 'Entry.publish'), body: entry('e3') }),
  () => generic('{"paths": [garbage'),
  () => 'cut',
  () => 'lie',
]

/** A raw request: a body cut off mid-way ('cut'), or a Content-Length that lies ('lie'). */
function raw(kind: 'cut' | 'lie', i: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    const body = '{"paths":["/raw"]}'
    const declared = kind === 'cut' ? 1000 : i % 2 === 0 ? 5 : body.length + 50
    socket.on('connect', () => {
      socket.write(
        `POST /hooks/generic HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${GENERIC}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n${body}`,
      )
      // Cut: hang up at once. Lie: wait for an answer, or give up after a second.
      setTimeout(() => socket.destroy(), kind === 'cut' ? 20 : 1000)
    })
    socket.on('data', (d) => {
      answer += d
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(Number(answer.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0)))
  })
}

const counts = new Map<number, number>()
let peakSampled = 0
const sampler = setInterval(() => {
  peakSampled = Math.max(peakSampled, status('VmRSS'))
}, 50)

let next = 0
const started = Date.now()
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < REQUESTS; i = next++) {
      const made = kinds[i % kinds.length]?.()
      let code: number
      if (made === 'cut' || made === 'lie') code = await raw(made, i)
      else if (!made) continue
      else {
        code = await fetch(`${base}${made.path}`, {
          method: 'POST',
          headers: made.headers,
          body: made.body,
        }).then(
          async (r) => {
            await r.arrayBuffer()
            return r.status
          },
          () => 0,
        )
      }
      counts.set(code, (counts.get(code) ?? 0) + 1)
    }
  }),
)
const loadS = (Date.now() - started) / 1000
const afterLoad = status('VmRSS')
const afterLoadUsage = probe().now
await new Promise((r) => setTimeout(r, IDLE_S * 1000))
clearInterval(sampler)
const settled = status('VmRSS')
const { now: settledUsage, atPeak, max } = probe()
const peak = Math.max(status('VmHWM'), peakSampled)

child.kill('SIGTERM')
await new Promise((r) => child.once('exit', r))
rmSync(dir, { recursive: true, force: true })
if (STORE === 'postgres') await dropSchemas(postgresUrl, schema)

const byStatus = [...counts.entries()]
  .sort(([a], [b]) => a - b)
  .map(([code, n]) => `${code === 0 ? 'no answer' : code}: ${n}`)
  .join(', ')
console.log(`hostile load on ${describeMachine()}, store ${STORE}`)
console.log(`${REQUESTS} requests, ${CONCURRENCY} at a time, in ${loadS.toFixed(1)} s`)
console.log(`answers: ${byStatus}`)
console.log(
  `RSS: ${mib(startRss)} at start, peak ${mib(peak)}, ${mib(afterLoad)} after the load, ${mib(settled)} after ${IDLE_S} s idle`,
)
console.log(
  `peak before the first request (VmHWM) ${mib(startHwm)}; highest RSS sampled under load (every 50 ms) ${mib(peakSampled)}`,
)
console.log(`at start:        ${breakdown(atStart)}`)
console.log(`at peak RSS:     ${breakdown(atPeak)}`)
console.log(`after the load:  ${breakdown(afterLoadUsage)}`)
console.log(`after idle:      ${breakdown(settledUsage)}`)
console.log(
  `maxima: V8 heap ${mib(max.heapTotal)} (used ${mib(max.heapUsed)}), external ${mib(max.external)}, array buffers ${mib(max.arrayBuffers)}`,
)
if ([...counts.keys()].some((code) => code >= 500)) process.exitCode = 1
