import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentfulApi } from '../sources/contentful/api.ts'
import { directusApi } from '../sources/directus/api.ts'
import { CmsError, pathSegment } from './cms-http.ts'

/**
 * Ids never shape a URL: each is one encoded path segment, a dot segment is refused before any
 * request, and a base URL's path prefix (`https://host/cms/`) is kept. Against a real HTTP
 * server that records the request lines it receives.
 */

const retry = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, timeoutMs: 2000 }

describe('CMS API URLs', () => {
  let server: Server
  let base: string
  const seen: string[] = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '')
      res.setHeader('content-type', 'application/json')
      const body = req.url?.includes('/entries?')
        ? { items: [], total: 0 }
        : req.url?.includes('/entries/')
          ? { sys: { id: 'x', type: 'Entry' }, fields: {} }
          : { data: [] }
      res.end(JSON.stringify(body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })
  const last = () => seen.at(-1)

  it('Directus: keeps the /cms/ prefix and encodes the collection and the key as one segment each', async () => {
    for (const url of [`${base}/cms/`, `${base}/cms`]) {
      const api = directusApi({ url, token: 't', fetch, retry })
      await api.readItem('my articles', 'a/b?c#d%2e', ['id', 'slug'])
      expect(last()).toBe('/cms/items/my%20articles/a%2Fb%3Fc%23d%252e?fields=id%2Cslug')
      await api.readItemsWhereIn('articles', 'id', ['1', '..'], ['id'])
      expect(last()).toMatch(/^\/cms\/items\/articles\?filter%5Bid%5D%5B_in%5D=1%2C\.\.&/)
      await api.relations()
      expect(last()).toBe('/cms/relations')
    }
  })

  it('Contentful: keeps the host prefix and encodes ids as one segment', async () => {
    const api = contentfulApi({
      spaceId: 'space1',
      environment: 'master',
      accessToken: 't',
      host: `${base}/cms/`,
      fetch,
      retry,
    })
    await api.entry('x.y_z-1')
    expect(last()).toBe('/cms/spaces/space1/environments/master/entries/x.y_z-1?locale=*')
    await api.entry('logo', undefined, 'asset')
    expect(last()).toBe('/cms/spaces/space1/environments/master/assets/logo?locale=*')
    await api.linking('entry', '..')
    expect(last()).toMatch(
      /^\/cms\/spaces\/space1\/environments\/master\/entries\?links_to_entry=\.\.&/,
    )
  })

  it.each(['.', '..', ''])('refuses %j as an id before any request is sent', async (id) => {
    const before = seen.length
    const directus = directusApi({ url: `${base}/cms/`, token: 't', fetch, retry })
    await expect(directus.readItem('articles', id, ['id'])).rejects.toThrow(CmsError)
    await expect(directus.readItem(id, '1', ['id'])).rejects.toThrow(/refusing/)
    const contentful = contentfulApi({
      spaceId: 's',
      environment: 'master',
      accessToken: 't',
      host: base,
      fetch,
      retry,
    })
    await expect(contentful.entry(id)).rejects.toThrow(/\[contentful\] refusing/)
    expect(seen.length).toBe(before)
  })

  it('pathSegment encodes what a URL parser would split or climb', () => {
    expect(pathSegment('directus', 42)).toBe('42')
    expect(pathSegment('directus', '%2e%2e')).toBe('%252e%252e')
    expect(pathSegment('directus', '...')).toBe('...')
    expect(() => pathSegment('directus', '..')).toThrow('[freshet] [directus] refusing ".."')
  })
})
