import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signRequest } from '@contentful/node-apps-toolkit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config/load.ts'
import { MAX_BODY_BYTES } from '../src/core/limits.ts'
import { createApp } from '../src/http/app.ts'
import { createMetrics } from '../src/observability/metrics.ts'
import { createLifecycle } from '../src/pipeline/lifecycle.ts'
import { directusPublishRules, scheduledSources } from '../src/pipeline/schedule.ts'
import { createService, type Service } from '../src/service.ts'
import { createSources } from '../src/sources/index.ts'
import type { Db } from '../src/store/db.ts'
import { type Accepted, insertEvents, type NewEvent } from '../src/store/events.ts'
import { migrate } from '../src/store/migrations.ts'
import { openPostgres } from '../src/store/postgres.ts'
import { dropSchemas, testPostgres, uniqueSchema } from '../src/store/test-stores.ts'
import { type FuzzRequest, fuzzRequest, fuzzRequestFor, SECRETS, toInit } from './fuzz-requests.ts'

/**
 * Fuzz at the door: generated and mutated webhooks through `app.request()` of the real app with
 * all three sources. Never a 5xx; every error a 4xx JSON `{error: {code, message}}` with no
 * secret in it; nothing stored for a refused request; healthy afterwards. The bulk, 10,000
 * requests per source, runs against the app over an in-memory intake (fast); a slice runs
 * against the whole service and its store. The generators put NUL, lone surrogates, prototype
 * names and dot segments in every string, nest bodies deep, make them huge, lie in
 * Content-Length, leave the topic out of a signature and name topics after Object.prototype.
 * The admin API gets 10,000 requests too, with the admin token, at every admin route, through
 * the whole service. Then a replay after a restart is refused, and a good webhook of each
 * source completes.
 * Seeded (FUZZ_SEED), so a failure reproduces: fast-check prints the seed and path to replay.
 */

const RUNS_PER_SOURCE = 10_000
const SERVICE_RUNS = 400
const ADMIN_RUNS = 10_000
const SEED = Number(process.env.FUZZ_SEED ?? 20261204)

function config(dir: string, postgres?: { url: string; schema: string }) {
  return parseConfig(
    {
      server: { port: 0, adminToken: SECRETS.admin },
      store: { dir, ...postgres },
      sources: {
        generic: { token: SECRETS.generic },
        directus: {
          secret: SECRETS.directus,
          schedule: { collections: [{ collection: 'articles', field: 'date_published' }] },
        },
        contentful: { signingSecret: SECRETS.contentful },
      },
      routes: [{ collection: 'articles', paths: ['/articles/{slug}'] }],
      planner: { coalesce: { windowMs: 0, maxWaitMs: 0 } },
    },
    {} as NodeJS.ProcessEnv,
    'fuzz',
  )
}

/**
 * The intake as the store keeps it, in memory: a redelivery (source, key) is taken once. Each
 * accepted event's changes go through the real `jsonb` of the test's PGlite first, and, where
 * a PostgreSQL server answers, the event is inserted into a real `events` table there, so what
 * either store would refuse fails here as it would there (a 5xx) instead of passing unnoticed.
 */
function memoryIntake(db: Db, postgres?: Db) {
  const events: NewEvent[] = []
  const byKey = new Map<string, string>()
  const intake = {
    events,
    /** Events written to PostgreSQL's `events` table. */
    onPostgres: 0,
    async accept(event: NewEvent): Promise<Accepted> {
      await db.query('SELECT $1::jsonb', [JSON.stringify(event.changes)])
      if (postgres) {
        await insertEvents(postgres, [event])
        intake.onPostgres++
      }
      const key =
        event.deliveryKey === undefined ? undefined : `${event.source}\n${event.deliveryKey}`
      const first = key === undefined ? undefined : byKey.get(key)
      if (first) return { id: first, duplicate: true }
      events.push(event)
      if (key !== undefined) byKey.set(key, event.id)
      return { id: event.id, duplicate: false }
    },
  }
  return intake
}

type Tally = Record<string, { accepted: number; ignored: number; refused: number }>

/** One request, checked: the answer, and that a refused one changed nothing. */
async function check(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  request: FuzzRequest,
  stored: () => Promise<number>,
  tally: Tally,
) {
  const before = await stored()
  const response = await app.request(request.path, toInit(request))
  // The live stream never ends: its status and type are the answer.
  const live = response.headers.get('content-type')?.startsWith('text/event-stream')
  if (live) await response.body?.cancel()
  const text = live ? '' : await response.text()
  const where = `${request.method} ${request.path} → ${response.status} ${text.slice(0, 200)}`
  if (response.status >= 500) throw new Error(`5xx: ${where}`)
  for (const secret of Object.values(SECRETS)) {
    if (text.includes(secret)) throw new Error(`answer leaks a secret: ${where}`)
  }
  const oversize = Buffer.byteLength(request.body) > MAX_BODY_BYTES && request.method !== 'GET'
  if (oversize && request.method !== 'HEAD' && response.status !== 413) {
    throw new Error(`oversize body not refused with 413: ${where}`)
  }
  const counts = tally[request.source] ?? { accepted: 0, ignored: 0, refused: 0 }
  tally[request.source] = counts
  if (response.status < 400) {
    counts[response.status === 202 ? 'accepted' : 'ignored']++
    return
  }
  counts.refused++
  if (request.method !== 'HEAD') {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
      throw new Error(`error is not {error: {code, message}}: ${where}`)
    }
  }
  if ((await stored()) !== before) throw new Error(`a refused request stored something: ${where}`)
}

async function expectHealthy(app: { request(path: string): Response | Promise<Response> }) {
  expect((await app.request('/healthz')).status).toBe(200)
  expect((await app.request('/readyz')).status).toBe(200)
}

// What the door accepts is written to a real PostgreSQL too, where one answers.
const pgUrl = await testPostgres('fuzz: what the door accepts, stored on PostgreSQL')

describe('fuzz at the door', () => {
  let dir: string
  let service: Service
  const pgSchema = uniqueSchema()
  let postgres: Db | undefined
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'freshet-fuzz-'))
    service = await createService(config(dir))
    if (pgUrl) {
      postgres = await openPostgres(pgUrl, pgSchema, 2)
      await migrate(postgres)
    }
  }, 120_000)
  afterAll(async () => {
    await service?.stop()
    await postgres?.close()
    if (pgUrl) await dropSchemas(pgUrl, pgSchema)
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it.each(['directus', 'contentful', 'generic'] as const)(
    `${RUNS_PER_SOURCE} %s requests through the app (in-memory intake): no 5xx, nothing stored when refused`,
    async (source) => {
      const cfg = config(dir)
      const lifecycle = createLifecycle()
      const intake = memoryIntake(service.db, postgres)
      const now = () => new Date()
      const app = createApp({
        db: service.db,
        sources: scheduledSources(
          createSources(cfg.sources),
          directusPublishRules(cfg.sources.directus?.schedule, cfg.routes),
          now,
        ),
        pipeline: { accept: (event) => intake.accept(event), retry: async () => undefined },
        lifecycle,
        live: service.live,
        adminToken: SECRETS.admin,
        metrics: createMetrics(lifecycle, { defaultMetrics: false }),
        accepting: () => true,
        now,
      })
      const tally: Tally = {}
      await fc.assert(
        fc.asyncProperty(fuzzRequestFor(source), (request) =>
          check(app, request, async () => intake.events.length, tally),
        ),
        { numRuns: RUNS_PER_SOURCE, seed: SEED },
      )
      // The fuzzer reached past the door of the source, and was turned away at it too.
      expect(tally[source]?.accepted).toBeGreaterThan(50)
      expect(tally[source]?.refused).toBeGreaterThan(500)
      if (source === 'contentful') expect(tally.contentful?.ignored).toBeGreaterThan(10)
      if (source === 'directus') {
        expect(intake.events.some((e) => e.notBefore !== undefined)).toBe(true)
      }
      // Each accepted event went through PostgreSQL's own insert too (every one, not a sample).
      if (postgres) expect(intake.onPostgres).toBeGreaterThanOrEqual(intake.events.length)
      await expectHealthy(app)
    },
    300_000,
  )

  it(`${SERVICE_RUNS} requests through the whole service: the store agrees`, async () => {
    const count = async () =>
      (await service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]?.n ?? 0
    const tally: Tally = {}
    await fc.assert(
      fc.asyncProperty(fuzzRequest, (request) => check(service.app, request, count, tally)),
      { numRuns: SERVICE_RUNS, seed: SEED },
    )
    const accepted = Object.values(tally).reduce((n, t) => n + t.accepted, 0)
    expect(accepted).toBeGreaterThan(0)
    expect(await count()).toBeGreaterThan(0)
    await expectHealthy(service.app)
  })

  it.runIf(pgUrl)(
    `${SERVICE_RUNS} requests through the whole service on PostgreSQL: the store agrees`,
    async () => {
      const url = pgUrl as string
      const schema = uniqueSchema()
      const onPostgres = await createService(config(dir, { url, schema }))
      try {
        const count = async () =>
          (await onPostgres.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]
            ?.n ?? 0
        const tally: Tally = {}
        await fc.assert(
          fc.asyncProperty(fuzzRequest, (request) => check(onPostgres.app, request, count, tally)),
          { numRuns: SERVICE_RUNS, seed: SEED + 1 },
        )
        expect(await count()).toBeGreaterThan(0)
        await expectHealthy(onPostgres.app)
      } finally {
        await onPostgres.stop()
        await dropSchemas(url, schema)
      }
    },
    180_000,
  )

  it(`${ADMIN_RUNS} admin requests with the admin token, on every admin route: no 5xx`, async () => {
    const count = async () =>
      (await service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]?.n ?? 0
    // Which routes the requests reached past the token (a route's own 4xx counts: it read them).
    const reached = new Map<string, number>()
    const app = {
      async request(path: string, init: RequestInit) {
        const response = await service.app.request(path, init)
        const route = adminRoute(init.method ?? 'GET', path)
        if (route && response.status !== 401) reached.set(route, (reached.get(route) ?? 0) + 1)
        return response
      },
    }
    const tally: Tally = {}
    await fc.assert(
      fc.asyncProperty(fuzzRequestFor('admin'), (request) => check(app, request, count, tally)),
      { numRuns: ADMIN_RUNS, seed: SEED },
    )
    for (const [, route] of ADMIN_ROUTES) expect(reached.get(route) ?? 0, route).toBeGreaterThan(50)
    // Manual purges taken, reads answered, bad input refused.
    expect(tally.admin?.accepted).toBeGreaterThan(20)
    expect(tally.admin?.ignored).toBeGreaterThan(500)
    expect(tally.admin?.refused).toBeGreaterThan(500)
    await expectHealthy(service.app)
  }, 300_000)

  it('refuses a signed Contentful request replayed after a restart (the store remembers)', async () => {
    const body = JSON.stringify({
      sys: { type: 'Entry', id: 'restart1', contentType: { sys: { id: 'post' } } },
    })
    const headers = {
      'content-type': 'application/vnd.contentful.management.v1+json',
      'x-contentful-topic': 'ContentManagement.Entry.publish',
    }
    const path = '/hooks/contentful'
    const signature = signRequest(SECRETS.contentful, { method: 'POST', path, headers, body })
    const init = { method: 'POST', headers: { ...headers, ...signature }, body }
    expect((await service.app.request(path, init)).status).toBe(202)
    await service.stop()
    service = await createService(config(dir))
    const replay = await service.app.request(path, init)
    expect(replay.status).toBe(401)
    expect(await replay.text()).toMatch(/replayed/)
  }, 120_000)

  it('completes a good webhook of each source after all that', async () => {
    const ids: string[] = []
    for (const request of goodRequests()) {
      const response = await service.app.request(request.path, toInit(request))
      expect(response.status, request.source).toBe(202)
      ids.push(((await response.json()) as { id: string }).id)
    }
    for (const id of ids) {
      await expect
        .poll(
          async () => {
            const answer = await service.app.request(`/api/events/${id}`, {
              headers: { authorization: `Bearer ${SECRETS.admin}` },
            })
            return ((await answer.json()) as { status: string }).status
          },
          { timeout: 60_000, interval: 100 },
        )
        .toBe('completed')
    }
  }, 120_000)
})

/** Every admin route: the fuzz above must reach each. */
const ADMIN_ROUTES: [RegExp, string][] = [
  [/^GET \/api\/events$/, 'GET /api/events'],
  [/^GET \/api\/events\/[^/]+$/, 'GET /api/events/:id'],
  [/^POST \/api\/events\/[^/]+\/retry$/, 'POST /api/events/:id/retry'],
  [/^GET \/api\/purges$/, 'GET /api/purges'],
  [/^GET \/api\/billing$/, 'GET /api/billing'],
  [/^POST \/api\/invalidations$/, 'POST /api/invalidations'],
  [/^POST \/api\/retries$/, 'POST /api/retries'],
  [/^POST \/api\/simulate$/, 'POST /api/simulate'],
  [/^GET \/api\/stream$/, 'GET /api/stream'],
]

function adminRoute(method: string, path: string): string | undefined {
  const line = `${method} ${path.split('?')[0]}`
  return ADMIN_ROUTES.find(([pattern]) => pattern.test(line))?.[1]
}

/** One valid webhook per source, as its CMS sends it (Contentful signed now). */
function goodRequests(): FuzzRequest[] {
  const json = { 'content-type': 'application/json' }
  const body = JSON.stringify({
    sys: { type: 'Entry', id: 'good1', contentType: { sys: { id: 'post' } } },
    fields: { title: { 'en-US': 'Good' } },
  })
  const headers = {
    'content-type': 'application/vnd.contentful.management.v1+json',
    'x-contentful-topic': 'ContentManagement.Entry.publish',
  }
  const path = '/hooks/contentful'
  const signed = signRequest(SECRETS.contentful, { method: 'POST', path, headers, body })
  return [
    {
      source: 'generic',
      method: 'POST',
      path: '/hooks/generic',
      headers: { ...json, authorization: `Bearer ${SECRETS.generic}` },
      body: JSON.stringify({ paths: ['/good'] }),
    },
    {
      source: 'directus',
      method: 'POST',
      path: '/hooks/directus',
      headers: { ...json, authorization: `Bearer ${SECRETS.directus}` },
      body: JSON.stringify({
        event: 'articles.items.update',
        keys: [7],
        payload: { slug: 'good' },
      }),
    },
    { source: 'contentful', method: 'POST', path, headers: { ...headers, ...signed }, body },
  ]
}
