import { describe, expect, it } from 'vitest'
import { createDirectusEmulator } from './directus.ts'

function emulator() {
  const cms = createDirectusEmulator({ token: 'static-token' })
  const g = cms.graph
  g.set('categories', { id: 1, slug: 'news' })
  g.set('articles', { id: 7, slug: 'hello', status: 'published', category: 1 })
  g.set('articles', { id: 8, slug: 'other', status: 'draft', category: 1 })
  g.set('blocks', { id: 30, article: 7, text: 'a' })
  g.relate({ collection: 'articles', field: 'category', related_collection: 'categories' })
  g.relate({
    collection: 'blocks',
    field: 'article',
    related_collection: 'articles',
    meta: { one_field: 'blocks' },
  })
  const get = async (path: string, token = 'static-token') => {
    const res = await cms.app.request(path, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: unknown } }
  }
  return { cms, get }
}

describe('Directus emulator', () => {
  it('reads an item with nested M2O and O2M fields', async () => {
    const { get } = emulator()
    const res = await get('/items/articles/7?fields=id,slug,category.slug,blocks.text')
    expect(res).toEqual({
      status: 200,
      body: { data: { id: 7, slug: 'hello', category: { slug: 'news' }, blocks: [{ text: 'a' }] } },
    })
  })

  it('answers a missing item with 403 FORBIDDEN', async () => {
    const { get } = emulator()
    const res = await get('/items/articles/99')
    expect(res.status).toBe(403)
    expect(res.body.errors).toEqual([
      { message: "You don't have permission to access this.", extensions: { code: 'FORBIDDEN' } },
    ])
  })

  it('refuses a wrong token with 401', async () => {
    const { get } = emulator()
    expect((await get('/items/articles/7', 'nope')).status).toBe(401)
  })

  it('filters with _in, _eq and relational paths, and pages', async () => {
    const { get } = emulator()
    const ids = (r: { body: { data?: unknown } }) =>
      (r.body.data as { id: number }[]).map((i) => i.id)
    expect(ids(await get('/items/articles?filter[category][_in]=1,2&fields=id'))).toEqual([7, 8])
    expect(ids(await get('/items/articles?filter[status][_eq]=draft&fields=id'))).toEqual([8])
    expect(ids(await get('/items/articles?filter[id][_gt]=7&fields=id'))).toEqual([8])
    expect(ids(await get('/items/articles?filter[category][slug][_eq]=news&fields=id'))).toEqual([
      7, 8,
    ])
    expect(ids(await get('/items/articles?fields=id&limit=1&page=2'))).toEqual([8])
    const json = encodeURIComponent(JSON.stringify({ id: { _in: [8] } }))
    expect(ids(await get(`/items/articles?filter=${json}&fields=id`))).toEqual([8])
  })

  it('filters with the logical _or and _and, as the reconciliation cursor asks', async () => {
    const { get } = emulator()
    const ids = async (filter: unknown) =>
      (
        (
          await get(
            `/items/articles?filter=${encodeURIComponent(JSON.stringify(filter))}&fields=id`,
          )
        ).body.data as { id: number }[]
      ).map((i) => i.id)
    const either = { _or: [{ slug: { _eq: 'other' } }, { status: { _eq: 'published' } }] }
    expect(await ids(either)).toEqual([7, 8])
    const after = {
      _or: [{ id: { _gt: 8 } }, { _and: [{ status: { _eq: 'draft' } }, { id: { _gt: 7 } }] }],
    }
    expect(await ids(after)).toEqual([8])
    expect(await ids({ _and: [{ status: { _eq: 'draft' } }, { id: { _lt: 8 } }] })).toEqual([])
  })

  it('lists relations shaped like Directus', async () => {
    const { get } = emulator()
    const data = (await get('/relations')).body.data as Record<string, unknown>[]
    expect(data[1]).toMatchObject({
      collection: 'blocks',
      field: 'article',
      related_collection: 'articles',
      meta: { one_field: 'blocks', junction_field: null, many_collection: 'blocks' },
    })
  })

  it('answers SEARCH with the query in the body, and counts requests', async () => {
    const { cms } = emulator()
    const res = await cms.app.request('/items/articles', {
      method: 'SEARCH',
      headers: { authorization: 'Bearer static-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        query: { filter: { id: { _in: [7] } }, fields: ['slug'], limit: -1 },
      }),
    })
    expect(await res.json()).toEqual({ data: [{ slug: 'hello' }] })
    expect(cms.requests).toHaveLength(1)
  })

  it('injects failures before the real answer', async () => {
    const { cms, get } = emulator()
    cms.failNext(503)
    expect((await get('/items/articles/7')).status).toBe(503)
    expect((await get('/items/articles/7')).status).toBe(200)
  })
  it('sorts and pages by primary key as SQL does: integers as numbers, strings as bytes', async () => {
    const { cms, get } = emulator()
    for (const id of [10, 9, 11, 2]) cms.graph.set('pages', { id, status: 'published' })
    cms.graph.set('pages', { id: 12, status: null })
    const ids = async (query: string) =>
      ((await get(`/items/pages?fields=id&${query}`)).body.data as { id: unknown }[]).map(
        (r) => r.id,
      )
    expect(await ids('sort=id&limit=2')).toEqual([2, 9])
    expect(await ids('sort=-id&limit=2')).toEqual([12, 11])
    expect(await ids('sort=id&limit=2&filter[id][_gt]=9')).toEqual([10, 11])
    // A comparison with null is never true.
    expect(await ids('sort=id&filter[status][_gt]=a')).toEqual([2, 9, 10, 11])
    for (const id of ['b', 'B', 'ab', 'a']) cms.graph.set('tags', { id })
    const tags = async (query: string) =>
      ((await get(`/items/tags?fields=id&${query}`)).body.data as { id: unknown }[]).map(
        (r) => r.id,
      )
    expect(await tags('sort=id')).toEqual(['B', 'a', 'ab', 'b'])
    expect(await tags('sort=id&filter={"id":{"_gt":"a"}}')).toEqual(['ab', 'b'])
  })
})
