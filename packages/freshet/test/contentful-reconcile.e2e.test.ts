/**
 * Contentful reconciliation as a user runs it: `freshet serve` with `reconcile.intervalSeconds`
 * against the Contentful Delivery emulator's Sync API, real pods and the embedded store; and
 * `freshet reconcile --once --source contentful` as a CronJob runs it.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { signRequest } from '@contentful/node-apps-toolkit'
import {
  type ContentfulEmulator,
  createContentfulEmulator,
  type LocalizedFields,
} from '@freshet/emulators/contentful'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminHeaders, type Harness, startHarness } from './harness.ts'
import { writeConfig } from './process.ts'

const SECRET = 'reconcileSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEF'
const SPACE = 'space1'
const CDA_TOKEN = 'cda-token-for-reconcile'
const ROUTES = [{ collection: 'page', source: 'contentful', paths: ['/{slug}'] }]

interface EventView {
  id: string
  source: string
  status: string
  reason: string | null
}
interface Run {
  source: string
  items: number
  requests: number
  events: string[]
  seeded: number
  restarted?: boolean
}

describe('Contentful reconciliation through the Sync API', () => {
  let cms: ContentfulEmulator
  let h: Harness
  const store = mkdtempSync(join(tmpdir(), 'freshet-contentful-reconcile-'))
  const runs: Run[] = []
  let host: string

  const page = (slug: string, extra: LocalizedFields = {}) => ({
    slug: { 'en-US': slug },
    ...extra,
  })

  async function startFreshet() {
    h = await startHarness({
      store: { dir: store },
      overrides: {
        sources: {
          contentful: { signingSecret: SECRET, spaceId: SPACE, accessToken: CDA_TOKEN },
        },
        routes: ROUTES,
        reconcile: { intervalSeconds: 1 },
        planner: { coalesce: { windowMs: 20, maxWaitMs: 200 }, contentful: { host } },
      },
    })
    h.service.lifecycle.on('reconcile:completed', (r) => runs.push(r as Run))
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
  const reconciled = async () => (await events()).filter((e) => e.source === 'reconcile:contentful')
  const indexed = async () =>
    (
      await h.service.db.query<{ paths: string[] }>(
        "SELECT paths FROM route_index WHERE source = 'contentful' ORDER BY item_id",
      )
    ).flatMap((r) => r.paths)
  /** Waits for a whole run that started after now (so it read what was published before). */
  async function nextRun() {
    const from = runs.length
    await expect.poll(() => runs.length, { timeout: 30_000 }).toBeGreaterThan(from + 1)
    return runs.slice(from + 1)
  }
  /** The revision the entry's next publish gets: the emulator counts them per entity. */
  const nextRevision = (id: string) => Number(cms.graph.entries.get(id)?.sys.revision ?? 0) + 1

  beforeAll(async () => {
    cms = createContentfulEmulator({ spaceId: SPACE, accessToken: CDA_TOKEN })
    host = await cms.listen()
    cms.graph.publishEntry('cta1', 'cta', { label: { 'en-US': 'Buy' } })
    cms.graph.publishEntry(
      'page1',
      'page',
      page('home', { sections: { 'en-US': [cms.graph.link('cta1')] } }),
    )
    cms.graph.publishEntry('page2', 'page', page('about'))
    cms.graph.publishEntry('page4', 'page', page('team'))
    await startFreshet()
  }, 120_000)
  afterAll(async () => {
    await h?.close()
    await cms?.close()
    rmSync(store, { recursive: true, force: true })
  })

  it('seeds the route index on its first sync, purging nothing', async () => {
    const purged = watchPurges()
    await expect.poll(indexed, { timeout: 30_000 }).toEqual(['/home', '/about', '/team'])
    await nextRun()
    expect(purged()).toEqual([])
    expect(await events()).toEqual([])
    expect(runs[0]).toMatchObject({ source: 'contentful', seeded: 3, items: 4, requests: 1 })
  })

  it('turns a component published with no webhook into an event that purges its page', async () => {
    const purged = watchPurges()
    const revision = nextRevision('cta1')
    cms.graph.publishEntry('cta1', 'cta', { label: { 'en-US': 'Buy now' } })
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/home'])
    const made = await reconciled()
    expect(made).toHaveLength(1)
    expect(made[0]?.reason).toMatch(
      new RegExp(
        `^published at \\d\\d:\\d\\d:\\d\\d \\(revision ${revision}\\), no webhook received$`,
      ),
    )
    const run = runs.find((r) => r.events.length > 0)
    expect(run).toMatchObject({ source: 'contentful', requests: 1, items: 1 })
  })

  it('purges the old and the new URL of a slug changed with no webhook', async () => {
    const purged = watchPurges()
    cms.graph.publishEntry('page2', 'page', page('about-us'))
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/about', '/about-us'])
    expect(await reconciled()).toHaveLength(2)
  })

  it('does not purge again a publish whose webhook was delivered', async () => {
    const revision = nextRevision('page1')
    const fields = page('home', {
      sections: { 'en-US': [cms.graph.link('cta1')] },
      title: { 'en-US': 'Hi' },
    })
    // The webhook first, then the Delivery API: no run can see the publish before the webhook.
    const body = JSON.stringify({
      sys: {
        type: 'Entry',
        id: 'page1',
        revision,
        contentType: { sys: { id: 'page' } },
        space: { sys: { id: SPACE } },
        environment: { sys: { id: 'master' } },
      },
      fields,
    })
    const headers: Record<string, string> = {
      'content-type': 'application/vnd.contentful.management.v1+json',
      'x-contentful-topic': 'ContentManagement.Entry.publish',
    }
    const path = '/hooks/contentful'
    const signed = signRequest(SECRET, { method: 'POST', path, headers, body }, Date.now())
    const purged = watchPurges()
    const answer = await h.request(path, {
      method: 'POST',
      headers: { ...headers, ...signed },
      body,
    })
    expect(answer.status).toBe(202)
    const { id } = (await answer.json()) as { id: string }
    const from = runs.length
    cms.graph.publishEntry('page1', 'page', fields)
    expect((await h.settle(id, 30_000)).status).toBe('completed')
    // A run ending after the publish read it (nothing else changes meanwhile).
    await expect
      .poll(() => runs.slice(from).some((r) => r.items > 0), { timeout: 30_000 })
      .toBe(true)
    expect(await reconciled()).toHaveLength(2)
    expect(purged()).toEqual(['/home'])
  })

  it('purges the old URL of an entry unpublished with no webhook', async () => {
    const purged = watchPurges()
    cms.graph.unpublish('page2')
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/about-us'])
    const made = await reconciled()
    expect(made).toHaveLength(3)
    expect(made[0]?.reason).toMatch(
      /^unpublished or deleted at \d\d:\d\d:\d\d, no webhook received$/,
    )
    await expect.poll(indexed, { timeout: 30_000 }).toEqual(['/home', '/team'])
  })

  it('after a refused sync token, starts over and purges only what changed since', async () => {
    const purged = watchPurges()
    // In one tick: no run sees one of these without the others.
    cms.sync.expireTokens()
    cms.graph.publishEntry('page3', 'page', page('contact'))
    cms.graph.unpublish('page1')
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/contact', '/home'])
    expect(runs.some((r) => r.restarted)).toBe(true)
    await nextRun()
    // /team was re-seeded, not purged.
    expect(purged()).toEqual(['/contact', '/home'])
    await expect.poll(indexed, { timeout: 30_000 }).toEqual(['/contact', '/team'])
    const reasons = (await reconciled()).slice(0, 2).map((e) => e.reason)
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^published at .*found by a new initial sync/),
        expect.stringMatching(/^unpublished or deleted while the sync token was lost/),
      ]),
    )
  })

  it('freshet reconcile --once --source contentful stores what it found; serve purges it', {
    timeout: 180_000,
  }, async () => {
    await h.close()
    cms.graph.publishEntry('page3', 'page', page('contact-us'))
    const file = writeConfig(store, { ...h.config, server: { port: 0 }, store: { dir: store } })
    const cli = new URL('../src/cli/main.ts', import.meta.url).pathname
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, '--config', file, 'reconcile', '--once', '--source', 'contentful'],
      { env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' }, timeout: 120_000 },
    )
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')
    expect(report).toMatchObject({ source: 'contentful', seeded: 0, requests: 1, items: 1 })
    expect(report.events).toHaveLength(1)
    await startFreshet()
    const purged = watchPurges()
    await expect.poll(purged, { timeout: 30_000 }).toEqual(['/contact', '/contact-us'])
  })
})
