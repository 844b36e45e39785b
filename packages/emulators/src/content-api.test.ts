import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ContentApi, startContentApi } from './content-api.ts'

describe('content API', () => {
  let api: ContentApi
  beforeAll(async () => {
    api = await startContentApi()
  })
  afterAll(() => api.close())

  const get = (path: string) => fetch(`${api.url}${path}`)

  it('lists, finds by id and by slug', async () => {
    const list = (await (await get('/articles')).json()) as { slug: string }[]
    expect(list.map((article) => article.slug)).toEqual([
      'hello-world',
      'second-thoughts',
      'third-time',
    ])
    expect(await (await get('/articles/2')).json()).toMatchObject({ title: 'Second thoughts' })
    expect(await (await get('/articles/by-slug/third-time')).json()).toMatchObject({ id: 3 })
    expect((await get('/articles/99')).status).toBe(404)
  })

  it('is changed in process and over HTTP', async () => {
    api.update(1, { title: 'Changed in process' })
    expect(await (await get('/articles/1')).json()).toMatchObject({ title: 'Changed in process' })
    const put = await fetch(`${api.url}/articles/7`, {
      method: 'PUT',
      body: JSON.stringify({ slug: 'seven', title: 'Seven', body: '7' }),
    })
    expect(put.status).toBe(200)
    expect(api.bySlug('seven')).toMatchObject({ id: 7, title: 'Seven' })
    expect((await fetch(`${api.url}/articles/7`, { method: 'DELETE' })).status).toBe(204)
    expect((await get('/articles/7')).status).toBe(404)
  })

  it('answers 500 to every read while failing, and counts reads', async () => {
    const before = api.reads
    await fetch(`${api.url}/_fail`, { method: 'POST', body: JSON.stringify({ on: true }) })
    expect((await get('/articles')).status).toBe(500)
    expect((await get('/articles/1')).status).toBe(500)
    api.fail(false)
    expect((await get('/articles/1')).status).toBe(200)
    expect(api.reads - before).toBe(3)
  })
})
