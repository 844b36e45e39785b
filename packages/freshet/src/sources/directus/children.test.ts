import { describe, expect, it } from 'vitest'
import { createDirectusEmulator } from '../../../../emulators/src/directus.ts'
import { directusApi } from './api.ts'
import { findDirectusChildren } from './children.ts'

const retry = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 2, timeoutMs: 1000 }

describe('findDirectusChildren', () => {
  it('reads what pages embed through many-to-one, many-to-many and many-to-any', async () => {
    const cms = createDirectusEmulator({ token: 't' })
    const g = cms.graph
    g.relate({ collection: 'pages', field: 'hero', related_collection: 'heroes' })
    g.relate({
      collection: 'pages_blocks',
      field: 'item',
      related_collection: null,
      meta: {
        junction_field: 'pages_id',
        one_allowed_collections: ['quotes', 'ctas'],
        one_collection_field: 'collection',
      },
    })
    g.relate({
      collection: 'pages_blocks',
      field: 'pages_id',
      related_collection: 'pages',
      meta: { one_field: 'blocks', junction_field: 'item' },
    })
    g.set('pages', { id: 1, slug: 'home', hero: 7 })
    g.set('pages', { id: 2, slug: 'other' })
    g.set('pages_blocks', { id: 1, pages_id: 1, item: '3', collection: 'quotes' })
    g.set('pages_blocks', { id: 2, pages_id: 1, item: '4', collection: 'ctas' })
    g.set('pages_blocks', { id: 3, pages_id: 2, item: '5', collection: 'ctas' })
    const fetch = async (input: string | URL, init?: RequestInit) =>
      cms.app.request(String(input), init)
    const api = directusApi({ url: 'http://cms', token: 't', fetch, retry })
    const links = await findDirectusChildren(
      [{ collection: 'pages', id: '1' }],
      api,
      await api.relations(),
    )
    const text = links.map(
      (l) => `${l.child.collection}:${l.child.id} ← ${l.parent.collection}:${l.parent.id}`,
    )
    expect(text.sort()).toEqual(['ctas:4 ← pages:1', 'heroes:7 ← pages:1', 'quotes:3 ← pages:1'])
  })
})
