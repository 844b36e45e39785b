/**
 * freshet against a real Directus 12.4.0 (SQLite), set up through its REST API as the docs tell
 * a user. Webhooks come from a real Event Hook Flow; scheduled publishing is a real Schedule Flow
 * with "Emit events" off; what no webhook delivers, reconciliation finds.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPlanner } from '../../src/planner/index.ts'
import { adminHeaders, type Harness, startHarness } from '../harness.ts'
import { freePort, writeConfig } from '../process.ts'
import { type DirectusServer, installDirectus, startDirectus } from './server.ts'
import {
  createPublishFlow,
  createReader,
  createSchema,
  createWebhookFlow,
  type DirectusAdmin,
  login,
} from './setup.ts'

const SECRET = 'directus-flow-secret-for-real-directus'
const TOKEN = 'freshet-reader-static-token-0123456789'
const NO_RELATIONS_TOKEN = 'freshet-reader-without-relations-0123'
const ROUTES = [
  {
    collection: 'pages',
    source: 'directus',
    paths: ['/{slug}'],
    tags: ['page:{id}'],
    extra: [],
    when: { status: 'published' },
  },
]

const installed = await installDirectus()
if ('error' in installed)
  console.warn(
    `[freshet] the real-Directus tests are skipped: Directus 12.4.0 cannot be installed here (scripts/ensure-directus.sh): ${installed.error}`,
  )

interface EventView {
  id: string
  source: string
  status: string
  reason: string | null
  changes: { provenance?: { reason?: string } }[]
  batch?: { plan: { paths: { value: string; reasons: { detail: string }[] }[] } | null }
}

describe.skipIf('error' in installed)('freshet against a real Directus 12.4.0', () => {
  let directus: DirectusServer
  let admin: DirectusAdmin
  let h: Harness
  let server: Server
  let port: number
  const store = mkdtempSync(join(tmpdir(), 'freshet-directus-store-'))
  /** Reconciliation reports, for a failing test's message. */
  const runs: unknown[] = []

  async function startFreshet() {
    h = await startHarness({
      store: { dir: store },
      overrides: {
        sources: { directus: { secret: SECRET, url: directus.url, token: TOKEN } },
        routes: ROUTES,
        reconcile: { intervalSeconds: 2 },
        planner: { coalesce: { windowMs: 50, maxWaitMs: 500 } },
      },
    })
    h.service.lifecycle.on('reconcile:completed', (r) => runs.push(r))
    h.service.lifecycle.on('reconcile:failed', (r) => runs.push(r))
    server = serve({ fetch: h.service.app.fetch, port, hostname: '127.0.0.1' }) as Server
    await new Promise((resolve) => server.once('listening', resolve))
  }
  async function stopFreshet() {
    await new Promise((resolve) => server.close(resolve))
    await h.close()
  }

  /** Paths the pods were asked to revalidate from now on. */
  function watchPurges() {
    const from = h.pods.map((p) => p.calls.length)
    return () =>
      [
        ...new Set(
          h.pods.flatMap((p, i) =>
            p.calls
              .slice(from[i])
              .filter((c) => c.method === 'POST')
              .flatMap((c) => (c.body as { paths?: string[] } | undefined)?.paths ?? []),
          ),
        ),
      ].sort()
  }
  const events = async () => {
    const answer = await h.request('/api/events?limit=100', { headers: adminHeaders })
    return ((await answer.json()) as { events: EventView[] }).events
  }
  const event = async (id: string) =>
    (await (await h.request(`/api/events/${id}`, { headers: adminHeaders })).json()) as EventView
  const indexed = async () =>
    (
      await h.service.db.query<{ paths: string[] }>(
        "SELECT paths FROM route_index WHERE source = 'directus' ORDER BY item_id",
      )
    ).flatMap((r) => r.paths)

  beforeAll(async () => {
    if ('error' in installed) return
    directus = await startDirectus(installed.dir)
    admin = await login(directus.url)
    await createSchema(admin)
    await createReader(admin, 'freshet', TOKEN)
    await createReader(admin, 'freshet-no-relations', NO_RELATIONS_TOKEN, { relations: false })
    await admin.call('POST', '/items/blocks', { text: 'Welcome' })
    await admin.call('POST', '/items/ctas', { label: 'Buy' })
    await admin.call('POST', '/items/tags', { name: 'news' })
    await admin.call('POST', '/items/pages', {
      status: 'published',
      slug: 'home',
      title: 'Home',
      hero: 1,
      tags: [{ tags_id: 1 }],
      sections: [{ collection: 'ctas', item: '1' }],
    })
    await admin.call('POST', '/items/pages', { status: 'published', slug: 'about', title: 'About' })
    await admin.call('POST', '/items/pages', { status: 'draft', slug: 'draft', title: 'Draft' })
    port = await freePort()
    await startFreshet()
    await createWebhookFlow(admin, `http://127.0.0.1:${port}/hooks/directus`, SECRET)
  }, 900_000)
  afterAll(async () => {
    await stopFreshet().catch(() => undefined)
    await directus?.close()
    rmSync(store, { recursive: true, force: true })
  })

  it('seeds the route index on its first reconcile, purging nothing', async () => {
    const purged = watchPurges()
    await expect.poll(indexed, { timeout: 30_000 }).toEqual(['/home', '/about'])
    expect(purged()).toEqual([])
    expect(await events()).toEqual([])
  })

  it('purges the page above a many-to-one block, from the Flow’s webhook', async () => {
    const purged = watchPurges()
    await admin.call('PATCH', '/items/blocks/1', { text: 'Hello' })
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/home'])
    expect((await events()).map((e) => e.source)).toContain('directus')
  })

  it('purges the page above a many-to-many tag', async () => {
    const purged = watchPurges()
    await admin.call('PATCH', '/items/tags/1', { name: 'updates' })
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/home'])
  })

  it('purges the page above a many-to-any (page builder) section', async () => {
    const purged = watchPurges()
    await admin.call('PATCH', '/items/ctas/1', { label: 'Buy now' })
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/home'])
  })

  it('purges the old and the new URL after a slug change', async () => {
    const purged = watchPurges()
    await admin.call('PATCH', '/items/pages/2', { slug: 'about-us' })
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/about', '/about-us'])
  })

  it('purges the page that embedded a deleted component, from the stored edges', async () => {
    const purged = watchPurges()
    await admin.call('DELETE', '/items/blocks/1')
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/home'])
    const views = await Promise.all((await events()).slice(0, 3).map((e) => event(e.id)))
    const reasons = views.flatMap(
      (v) => v.batch?.plan?.paths.flatMap((p) => p.reasons.map((r) => r.detail)) ?? [],
    )
    expect(reasons).toContain('blocks:1 ← pages:1 (embedded before the delete)')
  })

  it('purges a deleted page’s URL', async () => {
    const purged = watchPurges()
    await admin.call('DELETE', '/items/pages/2')
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/about-us'])
  })

  it('purges a page a cron Flow published with events off, by reconciling', {
    timeout: 150_000,
  }, async () => {
    const purged = watchPurges()
    const publishAt = new Date(Date.now() + 3000).toISOString()
    const page = await admin.call<{ id: number }>('POST', '/items/pages', {
      status: 'scheduled',
      slug: 'launch',
      title: 'Launch',
      publish_at: publishAt,
    })
    await createPublishFlow(admin, '*/2 * * * * *')
    await expect
      .poll(
        async () => (await admin.call<{ status: string }>('GET', `/items/pages/${page.id}`)).status,
        { timeout: 60_000 },
      )
      .toBe('published')
    await expect
      .poll(purged, { timeout: 30_000 })
      .toEqual(['/launch'])
      .catch(async (error: Error) => {
        const item = await admin.call('GET', `/items/pages/${page.id}`)
        const cursor = await h.service.db.query('SELECT * FROM reconcile_cursors')
        const index = await h.service.db.query('SELECT item_id, paths FROM route_index')
        throw new Error(
          `${error.message}\npage: ${JSON.stringify(item)}\ncursor: ${JSON.stringify(cursor)}\nindex: ${JSON.stringify(index)}\nlast runs: ${JSON.stringify(runs.slice(-3))}\nevents: ${JSON.stringify((await events()).slice(0, 3))}`,
        )
      })
    const made = (await events()).filter((e) => e.source === 'reconcile:directus')
    expect(made).toHaveLength(1)
    // Found by the date cursor, or first by the visible-set sweep: the flip changes both.
    expect(made[0]?.reason).toMatch(
      /^(changed at \d\d:\d\d:\d\d|matches the routes now \(changed at \d\d:\d\d:\d\d\)), no webhook received$/,
    )
  })

  it('reconciles a publish made while freshet was stopped, after it restarts', {
    timeout: 120_000,
  }, async () => {
    await stopFreshet()
    await admin.call('PATCH', '/items/pages/1', { slug: 'home-2' })
    await admin.call('PATCH', '/items/pages/3', { status: 'published' })
    await startFreshet()
    const purged = watchPurges()
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/draft', '/home', '/home-2'])
    const sources = (await events()).slice(0, 2).map((e) => e.source)
    expect(sources).toEqual(['reconcile:directus', 'reconcile:directus'])
  })

  it('freshet reconcile --once stores what it found; serve purges it', {
    timeout: 180_000,
  }, async () => {
    await stopFreshet()
    await admin.call('PATCH', '/items/pages/3', { slug: 'draft-2' })
    const file = writeConfig(store, { ...h.config, server: { port: 0 }, store: { dir: store } })
    const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, '--config', file, 'reconcile', '--once', '--source', 'directus'],
      { env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' }, timeout: 120_000 },
    )
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')
    expect(report).toMatchObject({ source: 'directus', seeded: 0 })
    expect(report.events).toHaveLength(1)
    expect(report.requests).toBe(2)
    await startFreshet()
    const purged = watchPurges()
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/draft', '/draft-2'])
  })

  it('fails with the permission to add when the token may not read directus_relations', async () => {
    const planner = createPlanner({
      rules: ROUTES,
      db: h.service.db,
      directus: { url: directus.url, token: NO_RELATIONS_TOKEN },
      retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, timeoutMs: 5000 },
    })
    const change = {
      kind: 'item' as const,
      source: 'directus',
      collection: 'ctas',
      id: '1',
      action: 'update' as const,
    }
    await expect(planner.simulate([change])).rejects.toThrow(/read on directus_relations/)
  })

  it('freshet doctor passes the reader token, and fails a wrong one and one without directus_relations', {
    timeout: 180_000,
  }, async () => {
    const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname
    /** The Directus lines of `freshet doctor` with `token` (pods and CDN are not configured). */
    async function doctor(token: string) {
      // A store of its own: the embedded one in use by serve opens in one process only.
      const dir = mkdtempSync(join(tmpdir(), 'freshet-directus-doctor-'))
      const file = writeConfig(dir, {
        store: { dir: join(dir, 'store') },
        sources: { directus: { secret: SECRET, url: directus.url, token } },
        routes: ROUTES,
      })
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [cli, '--config', file, 'doctor'],
        { env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' }, timeout: 120_000 },
      ).catch((error: { stdout: string }) => error)
      rmSync(dir, { recursive: true, force: true })
      return stdout.split('\n').filter((l) => l.slice(2).startsWith('directus '))
    }
    const good = await doctor(TOKEN)
    expect(good.length).toBeGreaterThanOrEqual(3)
    expect(good.filter((l) => !l.startsWith('✓'))).toEqual([])
    expect(good.join('\n')).toMatch(/directus related collections: .*pages_tags/)
    expect((await doctor('not-a-token-of-this-directus')).join('\n')).toMatch(
      /✗ directus token: .*does not accept sources\.directus\.token \(401\)/,
    )
    expect((await doctor(NO_RELATIONS_TOKEN)).join('\n')).toMatch(
      /✗ directus token: .*may not read directus_relations \(403\)/,
    )
  })

  it('freshet doctor names the junction a policy left out, which Directus hides from /relations', {
    timeout: 180_000,
  }, async () => {
    const token = 'freshet-no-junction-token-0123456789'
    await createReader(admin, 'freshet-no-junction', token, { without: ['pages_tags'] })
    // What the planner sees: Directus lists no relation through pages_tags for this token.
    const relations = (await (
      await fetch(`${directus.url}/relations`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { data: { collection: string }[] }
    expect(relations.data.map((r) => r.collection)).not.toContain('pages_tags')
    const dir = mkdtempSync(join(tmpdir(), 'freshet-directus-doctor-'))
    const file = writeConfig(dir, {
      store: { dir: join(dir, 'store') },
      sources: { directus: { secret: SECRET, url: directus.url, token } },
      routes: ROUTES,
    })
    const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname
    const run = await promisify(execFile)(process.execPath, [cli, '--config', file, 'doctor'], {
      env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' },
      timeout: 120_000,
    }).catch((error: { stdout: string }) => error)
    rmSync(dir, { recursive: true, force: true })
    const junctions = run.stdout.split('\n').find((l) => l.startsWith('✗ directus junctions: '))
    expect(junctions).toMatch(
      /pages\.tags \(m2m\): no visible relation: its junction collection is not readable/,
    )
    // The many-to-any field's junction (pages_sections) is readable: not named.
    expect(junctions).not.toMatch(/pages\.sections/)
  })
})
