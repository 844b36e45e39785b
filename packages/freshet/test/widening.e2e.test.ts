import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Edge, startEdge } from '@freshet/emulators/edge'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DISTRIBUTION, type Harness, startHarness } from './harness.ts'

interface View {
  status: string
  batchId: string
  pathsBilled: number
  batch: { plan: { notes: { level: string; message: string }[] } }
  invalidations: { id: string; status: string; items: number }[]
}

const paths = [
  ...Array.from({ length: 60 }, (_, i) => `/articles/${i}`),
  ...Array.from({ length: 25 }, (_, i) => `/authors/${i}`),
]

/** The site: each page answers its path and the content's version, cacheable for an hour. */
async function startSite(version: { current: number }) {
  const app = new Hono()
  app.get('*', (c) =>
    c.text(`v${version.current} ${new URL(c.req.url).pathname}`, 200, {
      'cache-control': 's-maxage=3600',
    }),
  )
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(s as Server),
    )
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

const bodyOf = async (edge: Edge, path: string) => (await fetch(`${edge.url}${path}`)).text()

describe('widening: a burst that cannot complete within maxDelaySeconds', () => {
  let h: Harness
  let site: Awaited<ReturnType<typeof startSite>>
  let edge: Edge
  const version = { current: 1 }
  beforeAll(async () => {
    // 20 paths in progress at once, invalidations taking 1.5 s, a bound of 1 s: 85 paths cannot
    // fit as planned (5 waves), so the batch is widened into what one wave takes.
    h = await startHarness({
      pods: 1,
      completeAfterMs: 1500,
      overrides: {
        cdn: {
          cloudfront: {
            distributionId: DISTRIBUTION,
            pollInitialMs: 50,
            pollMaxMs: 200,
            maxDelaySeconds: 1,
            maxPathsInProgress: 20,
          },
        },
      },
    })
    site = await startSite(version)
    edge = await startEdge({
      origins: [site.url],
      invalidations: h.cloudfront.onCompleted,
      distributionId: DISTRIBUTION,
    })
  })
  afterAll(async () => {
    await edge?.close()
    await site?.close()
    await h?.close()
  })

  it('purges folder wildcards with a plan note, and every path is fresh through the edge', async () => {
    for (const path of paths) expect(await bodyOf(edge, path)).toBe(`v1 ${path}`)
    version.current = 2
    // Cached at the edge: still the old page until freshet purges it.
    expect(await bodyOf(edge, paths[0] ?? '')).toBe(`v1 ${paths[0]}`)

    const accepted = await h.webhook({ paths })
    const { id } = (await accepted.json()) as { id: string }
    const event = (await h.settle(id, 60_000)) as unknown as View
    expect(event.status).toBe('completed')

    const notes = event.batch.plan.notes.map((n) => n.message)
    expect(notes.some((m) => m.includes('maxDelaySeconds 1'))).toBe(true)
    expect(notes).toContain(
      'widened 60 items under /articles/ into /articles/*: billed 1 path instead of 60; purges every object cached under /articles/, not only these',
    )
    const created = (h.cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? []).filter(
      (i) => i.callerReference.includes(event.batchId),
    )
    expect(created.flatMap((i) => i.items).sort()).toEqual(['/articles/*', '/authors/*'])
    expect(event.pathsBilled).toBe(2)

    for (const path of paths) expect(await bodyOf(edge, path)).toBe(`v2 ${path}`)
  }, 90_000)

  it('sends a batch that one wave takes as planned, with no note', async () => {
    const small = ['/articles/x', '/articles/y', '/authors/z']
    const { id } = (await (await h.webhook({ paths: small })).json()) as { id: string }
    const event = (await h.settle(id, 60_000)) as unknown as View
    expect(event.status).toBe('completed')
    expect(event.batch.plan.notes).toEqual([])
    const created = (h.cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? []).filter(
      (i) => i.callerReference.includes(event.batchId),
    )
    expect(created.flatMap((i) => i.items).sort()).toEqual(small)
  }, 90_000)
})
