import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DirectusApiError, sweepPublished } from './sweep.ts'

const TOKEN = 'static-token-for-freshet'

/** Items per collection, as a Directus instance would hold them. */
const collections: Record<string, Record<string, unknown>[]> = {
  articles: [
    { id: 1, date_published: '2026-11-23T11:58:00.000Z', title: 'before the window' },
    { id: 2, date_published: '2026-11-23T11:59:00.000Z', title: 'in' },
    { id: 3, date_published: '2026-11-23T12:00:00.000Z', title: 'in, on the edge' },
    { id: 4, date_published: '2026-11-23T12:01:00.000Z', title: 'future' },
    { id: 5, date_published: null, title: 'draft' },
    ...Array.from({ length: 5 }, (_, i) => ({
      id: 10 + i,
      date_published: `2026-11-23T11:59:3${i}.000Z`,
      title: `paged ${i}`,
    })),
  ],
  pages: [{ uuid: 'a-b-c', go_live: '2026-11-23T11:59:30', title: 'zone-less datetime' }],
}

/** Answers `GET /items/:collection` like Directus: filter, fields, sort, limit, page. */
function directus(url: URL, auth: string | undefined): { status: number; body: unknown } {
  if (auth !== `Bearer ${TOKEN}`) {
    return {
      status: 401,
      body: {
        errors: [
          { message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } },
        ],
      },
    }
  }
  const match = /^\/items\/([^/]+)$/.exec(url.pathname)
  const items = match?.[1] ? collections[decodeURIComponent(match[1])] : undefined
  if (!items) {
    // Directus answers a missing collection (or item) with 403, never 404.
    return {
      status: 403,
      body: {
        errors: [
          {
            message: "You don't have permission to access this.",
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      },
    }
  }
  const q = url.searchParams
  const [idField = '', field = ''] = (q.get('fields') ?? '').split(',')
  const gt = Date.parse(q.get(`filter[${field}][_gt]`) ?? '')
  const lte = Date.parse(q.get(`filter[${field}][_lte]`) ?? '')
  // Directus compares a zone-less datetime as stored; the fake stores UTC.
  const dateOf = (item: Record<string, unknown>) => {
    const value = item[field]
    return typeof value === 'string'
      ? Date.parse(value.endsWith('Z') ? value : `${value}Z`)
      : Number.NaN
  }
  const limit = Number(q.get('limit'))
  const page = Number(q.get('page'))
  const data = items
    .filter((item) => dateOf(item) > gt && dateOf(item) <= lte)
    .sort((a, b) => dateOf(a) - dateOf(b))
    .slice((page - 1) * limit, page * limit)
    .map((item) => ({ [idField]: item[idField], [field]: item[field] }))
  return { status: 200, body: { data } }
}

let server: Server
let baseUrl: string
const seen: URL[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    seen.push(url)
    const { status, body } = directus(url, req.headers.authorization)
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const window = { since: new Date('2026-11-23T11:58:00Z'), until: new Date('2026-11-23T12:00:00Z') }

describe('sweepPublished', () => {
  it('finds items gone live in (since, until], paging through them', async () => {
    seen.length = 0
    const changes = await sweepPublished({
      baseUrl,
      token: TOKEN,
      collections: [{ collection: 'articles', field: 'date_published' }],
      ...window,
      fetch,
      pageSize: 3,
    })
    expect(changes.map((c) => c.id)).toEqual(['2', '10', '11', '12', '13', '14', '3'])
    expect(seen.map((u) => u.searchParams.get('page'))).toEqual(['1', '2', '3'])
    expect(seen[0]?.searchParams.get('fields')).toBe('id,date_published')
    expect(changes[0]).toEqual({
      kind: 'item',
      source: 'directus',
      collection: 'articles',
      id: '2',
      action: 'publish',
      fields: { date_published: '2026-11-23T11:59:00.000Z' },
      provenance: {
        topic: 'sweep',
        publishAt: '2026-11-23T11:59:00.000Z',
        deliveryKey: 'publish:articles:2:2026-11-23T11:59:00.000Z',
      },
    })
  })

  it('uses the given primary key field and reads zone-less datetimes as UTC', async () => {
    const changes = await sweepPublished({
      baseUrl,
      token: TOKEN,
      collections: [{ collection: 'pages', field: 'go_live', idField: 'uuid' }],
      ...window,
      fetch,
    })
    expect(changes).toMatchObject([
      { id: 'a-b-c', provenance: { publishAt: '2026-11-23T11:59:30.000Z' } },
    ])
  })

  it('names the collection and the likely cause when Directus answers 403 FORBIDDEN', async () => {
    const sweep = sweepPublished({
      baseUrl,
      token: TOKEN,
      collections: [{ collection: 'nope', field: 'date_published' }],
      ...window,
      fetch,
    })
    await expect(sweep).rejects.toThrow(DirectusApiError)
    await expect(sweep).rejects.toThrow(/403 FORBIDDEN .*collection "nope" exists/)
  })

  it('reports a refused token without repeating it', async () => {
    const error = await sweepPublished({
      baseUrl,
      token: 'wrong-token-value',
      collections: [{ collection: 'articles', field: 'date_published' }],
      ...window,
      fetch,
    }).catch((e: unknown) => e as DirectusApiError)
    expect(error).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' })
    expect(String(error)).not.toContain('wrong-token-value')
  })

  it('reports an unreachable Directus as an error naming the request', async () => {
    const sweep = sweepPublished({
      baseUrl: 'http://127.0.0.1:1',
      token: TOKEN,
      collections: [{ collection: 'articles', field: 'date_published' }],
      ...window,
      fetch,
    })
    await expect(sweep).rejects.toThrow(/\[directus\] GET \/items\/articles/)
  })
})
