/**
 * What a webhook costs freshet before any I/O: `verify` + `parse` per request, per source, over
 * realistic bodies with valid credentials (Contentful's signed by its own toolkit). Run:
 * `node bench/sources.ts`. Prints µs per request (median of rounds) and body sizes.
 */
import { performance } from 'node:perf_hooks'
import { signRequest } from '@contentful/node-apps-toolkit'
import { contentfulSource } from '../packages/freshet/src/sources/contentful/webhook.ts'
import { directusSource } from '../packages/freshet/src/sources/directus/webhook.ts'
import { genericSource } from '../packages/freshet/src/sources/generic.ts'
import type { Source, SourceRequest } from '../packages/freshet/src/sources/types.ts'

const REQUESTS = 20_000
const ROUNDS = 5
const NOW = Date.parse('2026-11-23T12:00:00Z')
const CONTENTFUL_SECRET = 'qlfkupAwYA4ZkNnmBzmNypFqSRWOwhpGRFwQFn5iPNAGHSYdvwed1C77n0Eiaz19'
const DIRECTUS_SECRET = 'directus-flow-secret-0123456789'
const GENERIC_TOKEN = 'generic-hook-token-0123456789'

const locales = ['en-US', 'de-DE', 'fr-FR']
const localised = (value: string) => Object.fromEntries(locales.map((l) => [l, `${value} (${l})`]))

function contentfulBody(i: number) {
  const link = (type: string, id: string) => ({ sys: { type: 'Link', linkType: type, id } })
  return JSON.stringify({
    metadata: { tags: [], concepts: [] },
    sys: {
      type: 'Entry',
      id: `entry-${i}`,
      space: link('Space', 'abc123'),
      environment: link('Environment', 'master'),
      contentType: link('ContentType', 'article'),
      createdBy: link('User', 'user-1'),
      updatedBy: link('User', 'user-1'),
      revision: 12,
      publishedVersion: 11,
      createdAt: '2026-11-20T09:00:00.000Z',
      updatedAt: '2026-11-23T11:59:58.000Z',
    },
    fields: {
      title: localised('A title that is long enough to be realistic'),
      slug: localised('a-title-that-is-long-enough'),
      summary: localised('A summary of two sentences. '.repeat(4)),
      body: localised('Body text paragraph. '.repeat(30)),
      author: { 'en-US': link('Entry', 'author-1') },
      tags: { 'en-US': ['news', 'product', 'launch'] },
      hero: { 'en-US': link('Asset', 'hero-1') },
      publishDate: { 'en-US': '2026-11-23T12:00:00.000Z' },
    },
  })
}

function contentfulRequests(): SourceRequest[] {
  return Array.from({ length: REQUESTS }, (_, i) => {
    const rawBody = contentfulBody(i)
    const headers = {
      'content-type': 'application/vnd.contentful.management.v1+json',
      'x-contentful-topic': 'ContentManagement.Entry.publish',
      'x-contentful-idempotency-key': `key-${i}`,
    }
    const path = '/hooks/contentful'
    const signed = signRequest(
      CONTENTFUL_SECRET,
      { method: 'POST', path, headers, body: rawBody },
      NOW,
    )
    const url = `https://freshet.example${path}`
    return { method: 'POST', url, headers: new Headers({ ...headers, ...signed }), rawBody }
  })
}

function directusRequests(): SourceRequest[] {
  return Array.from({ length: REQUESTS }, (_, i) => ({
    method: 'POST',
    url: 'https://freshet.example/hooks/directus',
    headers: new Headers({
      'content-type': 'application/json',
      authorization: `Bearer ${DIRECTUS_SECRET}`,
    }),
    rawBody: JSON.stringify({
      event: 'articles.items.update',
      payload: {
        title: 'A title that is long enough to be realistic',
        slug: `a-title-${i}`,
        summary: 'A summary of two sentences. '.repeat(4),
        body: 'Body text paragraph. '.repeat(30),
        status: 'published',
        date_published: '2026-11-23T12:00:00.000Z',
        tags: ['news', 'product'],
      },
      keys: [String(i)],
      collection: 'articles',
    }),
  }))
}

function genericRequests(): SourceRequest[] {
  return Array.from({ length: REQUESTS }, (_, i) => ({
    method: 'POST',
    url: 'https://freshet.example/hooks/generic',
    headers: new Headers({
      'content-type': 'application/json',
      authorization: `Bearer ${GENERIC_TOKEN}`,
    }),
    rawBody: JSON.stringify({
      paths: ['/', `/articles/a-title-${i}`, '/articles', '/de/articles', '/fr/articles'],
      tags: ['articles', `article:${i}`, 'home'],
    }),
  }))
}

/** µs per request for verify + parse over all requests, with a fresh source. */
async function round(make: () => Source, requests: SourceRequest[]): Promise<number> {
  const source = make()
  const start = performance.now()
  for (const request of requests) {
    await source.verify(request)
    const delivery = source.parse(request)
    if (!('changes' in delivery)) throw new Error('bench request was ignored')
  }
  return ((performance.now() - start) * 1000) / requests.length
}

/** µs per request for JSON.parse alone: a yardstick that shows how loaded the machine is. */
function jsonRound(requests: SourceRequest[]): number {
  const start = performance.now()
  for (const request of requests) JSON.parse(request.rawBody)
  return ((performance.now() - start) * 1000) / requests.length
}

const median = (values: number[]) =>
  values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

async function measure(name: string, make: () => Source, requests: SourceRequest[]) {
  await round(make, requests.slice(0, 2000)) // warm-up: JIT, zod caches
  const results: number[] = []
  const json: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    results.push(await round(make, requests))
    json.push(jsonRound(requests))
  }
  const bytes = Math.round(requests.reduce((n, r) => n + r.rawBody.length, 0) / requests.length)
  const spread = `${Math.min(...results).toFixed(1)}–${Math.max(...results).toFixed(1)}`
  const cells = [
    name.padEnd(11),
    `${median(results).toFixed(1).padStart(7)} µs`,
    `(${spread})`.padEnd(14),
    `JSON.parse ${median(json).toFixed(1).padStart(5)} µs`,
    `${bytes} B body`,
  ]
  console.log(cells.join('   '))
}

console.log(`verify + parse per request, median of ${ROUNDS} rounds × ${REQUESTS} requests (range)`)
await measure('generic', () => genericSource({ token: GENERIC_TOKEN }), genericRequests())
await measure('directus', () => directusSource({ secret: DIRECTUS_SECRET }), directusRequests())
await measure(
  'contentful',
  () => contentfulSource({ signingSecret: CONTENTFUL_SECRET, now: () => NOW }),
  contentfulRequests(),
)

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
