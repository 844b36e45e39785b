import { describe, expect, it } from 'vitest'
import { createContentfulEmulator } from './contentful.ts'

function emulator() {
  const cms = createContentfulEmulator({ spaceId: 'sp1', accessToken: 'cda-token' })
  const g = cms.graph
  g.publishAsset('img1', { title: { 'en-US': 'Logo' } })
  g.publishEntry('cta1', 'cta', {
    label: { 'en-US': 'Buy', de: 'Kaufen' },
    image: { 'en-US': g.assetLink('img1') },
  })
  g.publishEntry('page1', 'page', {
    slug: { 'en-US': 'home', de: 'start' },
    sections: { 'en-US': [g.link('cta1')] },
  })
  const base = '/spaces/sp1/environments/master'
  const get = async (path: string, token = 'cda-token') => {
    const res = await cms.app.request(base + path, {
      headers: { authorization: `Bearer ${token}` },
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  return { cms, get }
}

describe('Contentful emulator', () => {
  it('answers an entry with locale-keyed fields for locale=*', async () => {
    const { get } = emulator()
    const res = await get('/entries/page1?locale=*')
    expect(res.status).toBe(200)
    expect(res.body.fields).toMatchObject({ slug: { 'en-US': 'home', de: 'start' } })
    expect(res.body.sys).toMatchObject({
      id: 'page1',
      type: 'Entry',
      contentType: { sys: { type: 'Link', linkType: 'ContentType', id: 'page' } },
    })
  })

  it('answers one locale without locale=*', async () => {
    const { get } = emulator()
    const res = await get('/entries/page1?locale=de')
    expect(res.body.fields).toMatchObject({ slug: 'start' })
    expect(res.body.sys).toMatchObject({ locale: 'de' })
  })

  it('answers 404 NotFound for an unpublished entry', async () => {
    const { cms, get } = emulator()
    cms.graph.unpublish('page1')
    const res = await get('/entries/page1')
    expect(res.status).toBe(404)
    expect(res.body.sys).toEqual({ type: 'Error', id: 'NotFound' })
  })

  it('finds direct linkers with links_to_entry and links_to_asset', async () => {
    const { get } = emulator()
    const ids = (r: { body: Record<string, unknown> }) =>
      (r.body.items as { sys: { id: string } }[]).map((i) => i.sys.id)
    expect(ids(await get('/entries?links_to_entry=cta1&include=0'))).toEqual(['page1'])
    expect(ids(await get('/entries?links_to_asset=img1'))).toEqual(['cta1'])
    expect(ids(await get('/entries?sys.id[in]=cta1,page1&content_type=page'))).toEqual(['page1'])
  })

  it('includes linked entries and assets up to `include` levels', async () => {
    const { get } = emulator()
    const res = await get('/entries?sys.id[in]=page1&include=2')
    const includes = res.body.includes as { Entry: unknown[]; Asset: unknown[] }
    expect(includes.Entry).toHaveLength(1)
    expect(includes.Asset).toHaveLength(1)
    expect(res.body).toMatchObject({ sys: { type: 'Array' }, total: 1, skip: 0, limit: 100 })
  })

  it('refuses a wrong token and an unknown space', async () => {
    const { cms, get } = emulator()
    expect((await get('/entries/page1', 'bad')).status).toBe(401)
    const res = await cms.app.request('/spaces/other/entries/page1', {
      headers: { authorization: 'Bearer cda-token' },
    })
    expect(res.status).toBe(404)
  })

  it('counts revisions per entity and, with a lag, serves the previous one until it ends', async () => {
    const { cms, get } = emulator()
    const g = cms.graph
    expect((await get('/entries/page1')).body.sys).toMatchObject({ revision: 1 })
    cms.setLag(60_000)
    const next = g.publishEntry('page1', 'page', { slug: { 'en-US': 'home-2' } })
    expect(next.sys.revision).toBe(2)
    // Every read path serves revision 1 while the publish has not reached readers.
    expect((await get('/entries/page1?locale=*')).body).toMatchObject({
      sys: { revision: 1 },
      fields: { slug: { 'en-US': 'home' } },
    })
    const list = await get('/entries?sys.id[in]=page1,cta1')
    expect(
      (list.body.items as { sys: { id: string; revision: number } }[]).map((i) => i.sys),
    ).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'page1', revision: 1 })]))
    // A first publish is a 404 until it arrives; an unpublish goes on serving the entry.
    g.publishEntry('new1', 'page', { slug: { 'en-US': 'new' } })
    expect((await get('/entries/new1')).status).toBe(404)
    g.unpublish('cta1')
    expect((await get('/entries/cta1')).status).toBe(200)
    // Once the lag is over, what was published is served.
    cms.setLag(0)
    g.publishEntry('page1', 'page', { slug: { 'en-US': 'home-3' } })
    expect((await get('/entries/page1')).body.sys).toMatchObject({ revision: 3 })
    expect((await get('/entries/new1')).status).toBe(404)
  })

  it('ends a lag after its delay', async () => {
    const { cms, get } = emulator()
    cms.setLag(300)
    cms.graph.publishEntry('page1', 'page', { slug: { 'en-US': 'later' } })
    expect((await get('/entries/page1')).body.sys).toMatchObject({ revision: 1 })
    await expect
      .poll(async () => ((await get('/entries/page1')).body.sys as { revision: number }).revision)
      .toBe(2)
  })
})
