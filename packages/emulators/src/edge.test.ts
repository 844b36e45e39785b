import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
} from '@aws-sdk/client-cloudfront'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { type CloudFrontEmulator, startCloudFrontEmulator } from './cloudfront.ts'
import { type Edge, startEdge } from './edge.ts'

const DIST = 'E2EDGE'
let version = 1
const closers: (() => Promise<void>)[] = []

/** A pod: answers `<name> v<version> <path>`, cacheable, tagged by the `tags` query or path. */
async function startPod(name: string): Promise<string> {
  const app = new Hono()
  app.get('*', (c) => {
    const url = new URL(c.req.url)
    const cacheControl = c.req.query('cc') ?? 's-maxage=3600, stale-while-revalidate=60'
    const tags = url.pathname.startsWith('/articles/')
      ? `article:${url.pathname.split('/')[2]},articles`
      : 'page'
    return c.text(`${name} v${version} ${url.pathname}${url.search}`, 200, {
      'cache-control': cacheControl,
      'cache-tag': tags,
    })
  })
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(s as Server),
    )
  })
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function get(edge: Edge, path: string) {
  const answer = await fetch(`${edge.url}${path}`)
  return {
    body: await answer.text(),
    cache: answer.headers.get('x-cache'),
    origin: answer.headers.get('x-edge-origin'),
  }
}

async function setup(options: { ignoreQuery?: boolean; now?: () => number } = {}) {
  const emulator = await startCloudFrontEmulator({ distributions: [DIST], completeAfterMs: 20 })
  const origins = [await startPod('A'), await startPod('B')]
  const edge = await startEdge({
    origins,
    invalidations: emulator.onCompleted,
    distributionId: DIST,
    ...options,
  })
  closers.push(edge.close, emulator.close)
  return { emulator, edge, origins }
}

/** Invalidates through the real SDK and waits until CloudFront says Completed. */
async function invalidate(emulator: CloudFrontEmulator, items: string[]) {
  const client = new CloudFrontClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  const created = await client.send(
    new CreateInvalidationCommand({
      DistributionId: DIST,
      InvalidationBatch: {
        CallerReference: `ref-${Math.random()}`,
        Paths: { Quantity: items.length, Items: items },
      },
    }),
  )
  for (;;) {
    const got = await client.send(
      new GetInvalidationCommand({ DistributionId: DIST, Id: created.Invalidation?.Id }),
    )
    if (got.Invalidation?.Status === 'Completed') return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  version = 1
})

describe('caching edge', () => {
  it('caches per Cache-Control, round-robins misses, and marks hits', async () => {
    const { edge, origins } = await setup()
    const first = await get(edge, '/a')
    expect(first).toMatchObject({ cache: 'Miss', body: 'A v1 /a', origin: origins[0] })
    expect(await get(edge, '/a')).toMatchObject({ cache: 'Hit', body: 'A v1 /a' })
    expect(await get(edge, '/b')).toMatchObject({ cache: 'Miss', origin: origins[1] })
    expect(await get(edge, '/a?x=1')).toMatchObject({ cache: 'Miss' })
    expect(await get(edge, '/n?cc=no-store')).toMatchObject({ cache: 'Miss' })
    expect(await get(edge, '/n?cc=no-store')).toMatchObject({ cache: 'Miss' })
    expect(await get(edge, '/p?cc=private,max-age=60')).toMatchObject({ cache: 'Miss' })
    expect(await get(edge, '/p?cc=private,max-age=60')).toMatchObject({ cache: 'Miss' })
    expect(await get(edge, '/m?cc=max-age=60')).toMatchObject({ cache: 'Miss' })
    expect(await get(edge, '/m?cc=max-age=60')).toMatchObject({ cache: 'Hit' })
    expect(edge.stats).toMatchObject({ hits: 2 })
  })

  it('can key on the path alone', async () => {
    const { edge } = await setup({ ignoreQuery: true })
    await get(edge, '/a?x=1')
    expect(await get(edge, '/a?x=2')).toMatchObject({ cache: 'Hit', body: 'A v1 /a?x=1' })
  })

  it('serves stale within stale-while-revalidate, then the refreshed object', async () => {
    let clock = 1_000_000
    const { edge } = await setup({ now: () => clock })
    await get(edge, '/s?cc=s-maxage=10,stale-while-revalidate=100')
    version = 2
    clock += 20_000
    expect(await get(edge, '/s?cc=s-maxage=10,stale-while-revalidate=100')).toMatchObject({
      cache: 'Hit',
      body: expect.stringContaining('v1'),
    })
    await edge.settled()
    expect(await get(edge, '/s?cc=s-maxage=10,stale-while-revalidate=100')).toMatchObject({
      cache: 'Hit',
      body: expect.stringContaining('v2'),
    })
    clock += 200_000
    version = 3
    expect(await get(edge, '/s?cc=s-maxage=10,stale-while-revalidate=100')).toMatchObject({
      cache: 'Miss',
      body: expect.stringContaining('v3'),
    })
  })

  it('drops exactly the invalidated paths, wildcards and tags once CloudFront completes', async () => {
    const { emulator, edge } = await setup()
    const paths = [
      '/a',
      '/a/b',
      '/blog/x',
      '/blog/y?p=1',
      '/blogger',
      '/articles/1',
      '/articles/2',
      '/c',
    ]
    for (const path of paths) await get(edge, path)
    version = 2
    await invalidate(emulator, ['/a', '/blog/*', '#article:1'])
    const after = Object.fromEntries(
      await Promise.all(paths.map(async (p) => [p, (await get(edge, p)).cache])),
    )
    expect(after).toEqual({
      '/a': 'Miss',
      '/a/b': 'Hit',
      '/blog/x': 'Miss',
      '/blog/y?p=1': 'Miss',
      '/blogger': 'Hit',
      '/articles/1': 'Miss',
      '/articles/2': 'Hit',
      '/c': 'Hit',
    })
    expect((await get(edge, '/a')).body).toContain('v2')
    expect(edge.stats.dropped).toBe(4)
  })

  it('ignores invalidations of other distributions', async () => {
    const { emulator, edge } = await setup()
    emulator.distributions.add('E2OTHER')
    await get(edge, '/a')
    const seen = new Promise((resolve) => emulator.onCompleted(resolve))
    const client = new CloudFrontClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    })
    await client.send(
      new CreateInvalidationCommand({
        DistributionId: 'E2OTHER',
        InvalidationBatch: { CallerReference: 'o', Paths: { Quantity: 1, Items: ['/*'] } },
      }),
    )
    await seen
    expect((await get(edge, '/a')).cache).toBe('Hit')
  })
})
