import { describe, expect, it } from 'vitest'
import { createContentfulEmulator } from './contentful.ts'

interface SyncPage {
  items: { sys: Record<string, unknown> & { id: string; type: string }; fields?: unknown }[]
  nextPageUrl?: string
  nextSyncUrl?: string
}

function emulator() {
  const cms = createContentfulEmulator({ spaceId: 'sp1', accessToken: 'cda-token' })
  const get = async (url: string, token = 'cda-token') => {
    const res = await cms.app.request(url, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: (await res.json()) as SyncPage & Record<string, unknown> }
  }
  const base = 'http://cdn.test/spaces/sp1/environments/master/sync'
  return { cms, get, base }
}

/** Every page from `url` until the sync URL. */
async function drain(get: ReturnType<typeof emulator>['get'], url: string) {
  const items: SyncPage['items'] = []
  let pages = 0
  let next = url
  for (;;) {
    const { status, body } = await get(next)
    expect(status).toBe(200)
    items.push(...body.items)
    pages++
    if (body.nextSyncUrl) return { items, pages, syncUrl: body.nextSyncUrl }
    expect(body.nextPageUrl).toBeDefined()
    next = body.nextPageUrl ?? ''
  }
}

describe('Contentful emulator: the Sync API', () => {
  it('pages an initial sync with nextPageUrl, then ends with nextSyncUrl', async () => {
    const { cms, get, base } = emulator()
    for (let i = 0; i < 5; i++)
      cms.graph.publishEntry(`p${i}`, 'page', { slug: { 'en-US': `s${i}` } })
    cms.graph.publishAsset('img', { title: { 'en-US': 'Logo', de: 'Logo' } })
    const first = await get(`${base}?initial=true&limit=2`)
    expect(first.body).toMatchObject({ sys: { type: 'Array' } })
    expect(first.body.items).toHaveLength(2)
    expect(first.body.nextPageUrl).toMatch(
      /^http:\/\/cdn\.test\/spaces\/sp1\/.*\/sync\?sync_token=/,
    )
    const all = await drain(get, `${base}?initial=true&limit=2`)
    expect(all.pages).toBe(3)
    expect(all.items.map((i) => `${i.sys.type}:${i.sys.id}`)).toEqual([
      'Entry:p0',
      'Entry:p1',
      'Entry:p2',
      'Entry:p3',
      'Entry:p4',
      'Asset:img',
    ])
    // All locales, as `locale=*`, with the revision.
    expect(all.items[5]?.fields).toEqual({ title: { 'en-US': 'Logo', de: 'Logo' } })
    expect(all.items[0]?.sys).toMatchObject({
      revision: expect.any(Number),
      contentType: { sys: { id: 'page' } },
    })
  })

  it('answers a delta: republished entries, then deletions without fields or content type', async () => {
    const { cms, get, base } = emulator()
    cms.graph.publishEntry('a', 'page', { slug: { 'en-US': 'a' } })
    cms.graph.publishEntry('b', 'page', { slug: { 'en-US': 'b' } })
    cms.graph.publishAsset('img', { title: { 'en-US': 'Logo' } })
    const initial = await drain(get, `${base}?initial=true`)
    const empty = await drain(get, initial.syncUrl)
    expect(empty.items).toEqual([])
    cms.graph.publishEntry('a', 'page', { slug: { 'en-US': 'a-2' } })
    cms.graph.unpublish('b')
    cms.graph.unpublish('img')
    const delta = await drain(get, empty.syncUrl)
    expect(delta.items.map((i) => `${i.sys.type}:${i.sys.id}`)).toEqual([
      'Entry:a',
      'DeletedEntry:b',
      'DeletedAsset:img',
    ])
    expect(delta.items[0]?.fields).toEqual({ slug: { 'en-US': 'a-2' } })
    const gone = delta.items[1]
    expect(gone?.fields).toBeUndefined()
    expect(gone?.sys).toMatchObject({ revision: 1, deletedAt: expect.any(String) })
    expect(gone?.sys.contentType).toBeUndefined()
    // Each change is delivered once.
    expect((await drain(get, delta.syncUrl)).items).toEqual([])
  })

  it('keeps the initial type filter for the deltas after it', async () => {
    const { cms, get, base } = emulator()
    cms.graph.publishEntry('a', 'page', {})
    cms.graph.publishAsset('img', {})
    const initial = await drain(get, `${base}?initial=true&type=Entry`)
    expect(initial.items.map((i) => i.sys.id)).toEqual(['a'])
    cms.graph.unpublish('a')
    cms.graph.publishAsset('img', {})
    expect((await drain(get, initial.syncUrl)).items).toEqual([])
  })

  it('refuses an unknown token, a token with other parameters, and a bad limit', async () => {
    const { cms, get, base } = emulator()
    const unknown = await get(`${base}?sync_token=not-a-token`)
    expect(unknown.status).toBe(400)
    expect(unknown.body.sys).toEqual({ type: 'Error', id: 'BadRequest' })
    const initial = await drain(get, `${base}?initial=true`)
    expect((await get(`${initial.syncUrl}&limit=10`)).status).toBe(400)
    expect((await get(`${base}?initial=true&limit=1001`)).status).toBe(400)
    expect((await get(`${base}?initial=true&content_type=page&type=Asset`)).status).toBe(400)
    cms.sync.expireTokens()
    expect((await get(initial.syncUrl)).status).toBe(400)
  })

  it('checks the access token, the space and the environment', async () => {
    const { get } = emulator()
    expect(
      (await get('http://cdn.test/spaces/sp1/environments/master/sync?initial=true', 'bad')).status,
    ).toBe(401)
    expect(
      (await get('http://cdn.test/spaces/other/environments/master/sync?initial=true')).status,
    ).toBe(404)
    expect(
      (await get('http://cdn.test/spaces/sp1/environments/staging/sync?initial=true')).status,
    ).toBe(404)
    expect((await get('http://cdn.test/spaces/sp1/sync?initial=true')).status).toBe(200)
  })
})
