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
})
