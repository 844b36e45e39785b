import { describe, expect, it } from 'vitest'
import { createDirectusEmulator } from '../../../emulators/src/directus.ts'
import { directusApi } from '../sources/directus/api.ts'
import { CmsError, memoFetch, requestJson } from './cms-http.ts'

const retry = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2, timeoutMs: 1000 }

function setup() {
  const cms = createDirectusEmulator({ token: 't' })
  cms.graph.set('articles', { id: 1, slug: 'a' })
  const fetch = async (input: string | URL, init?: RequestInit) =>
    cms.app.request(String(input), init)
  return { cms, fetch }
}

describe('requestJson', () => {
  it('retries a 5xx, then answers', async () => {
    const { cms, fetch } = setup()
    cms.failNext(503, 502)
    const answer = await requestJson(
      fetch,
      'http://cms/items/articles/1',
      { headers: { authorization: 'Bearer t' } },
      { origin: 'directus', retry },
    )
    expect(answer).toEqual({ status: 200, body: { data: { id: 1, slug: 'a' } } })
    expect(cms.requests).toHaveLength(3)
  })

  it('does not retry a 401 and names the origin', async () => {
    const { cms, fetch } = setup()
    const failing = requestJson(
      fetch,
      'http://cms/items/articles/1',
      { headers: { authorization: 'Bearer x' } },
      { origin: 'directus', retry },
    )
    await expect(failing).rejects.toThrow('[freshet] [directus] GET /items/articles/1 answered 401')
    expect(cms.requests).toHaveLength(1)
  })

  it('throws a CmsError once retries run out', async () => {
    const { cms, fetch } = setup()
    cms.failNext(500, 500, 500)
    const failing = requestJson(
      fetch,
      'http://cms/relations',
      { headers: { authorization: 'Bearer t' } },
      { origin: 'directus', retry },
    )
    await expect(failing).rejects.toBeInstanceOf(CmsError)
  })
})

describe('directusApi', () => {
  it('reads a missing item (403) as undefined', async () => {
    const { fetch } = setup()
    const api = directusApi({ url: 'http://cms', token: 't', fetch, retry })
    expect(await api.readItem('articles', '2', ['id'])).toBeUndefined()
    expect(await api.readItem('articles', '1', ['slug'])).toEqual({ slug: 'a' })
  })

  it('sends a long id list with SEARCH, or splits it when SEARCH is off', async () => {
    const { cms, fetch } = setup()
    const ids = Array.from({ length: 400 }, (_, i) => String(i + 1))
    const api = directusApi({ url: 'http://cms', token: 't', fetch, retry, maxUrlLength: 500 })
    expect(await api.readItemsWhereIn('articles', 'id', ids, ['id'])).toEqual([{ id: 1 }])
    expect(cms.requests.map((r) => r.method)).toEqual(['SEARCH'])
    cms.resetRequests()
    const split = directusApi({
      url: 'http://cms',
      token: 't',
      fetch,
      retry,
      maxUrlLength: 1000,
      searchMethod: false,
    })
    expect(await split.readItemsWhereIn('articles', 'id', ids, ['id'])).toEqual([{ id: 1 }])
    expect(cms.requests.length).toBeGreaterThan(1)
    expect(
      cms.requests.every((r) => r.method === 'GET' && r.path.length + r.query.length < 1000),
    ).toBe(true)
  })
})

describe('memoFetch', () => {
  it('answers a repeated GET from memory and counts requests', async () => {
    const { cms, fetch } = setup()
    const memo = memoFetch(fetch)
    const init = { headers: { authorization: 'Bearer t' } }
    await memo('http://cms/items/articles/1', init)
    const again = await memo('http://cms/items/articles/1', init)
    expect(await again.json()).toEqual({ data: { id: 1, slug: 'a' } })
    expect(cms.requests).toHaveLength(1)
    expect(memo.requests()).toBe(1)
  })

  it('does not keep a 5xx answer', async () => {
    const { cms, fetch } = setup()
    const memo = memoFetch(fetch)
    cms.failNext(503)
    const init = { headers: { authorization: 'Bearer t' } }
    expect((await memo('http://cms/relations', init)).status).toBe(503)
    await new Promise((r) => setImmediate(r))
    expect((await memo('http://cms/relations', init)).status).toBe(200)
  })
})
