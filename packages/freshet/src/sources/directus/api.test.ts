import { describe, expect, it } from 'vitest'
import { createDirectusEmulator } from '../../../../emulators/src/directus.ts'
import { directusApi } from './api.ts'

const retry = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 2, timeoutMs: 1000 }

describe('directus api', () => {
  it('asks Directus never to answer from its cache (Cache-Control: no-store) on every read', async () => {
    const cms = createDirectusEmulator({ token: 't' })
    cms.graph.set('articles', { id: 1, slug: 'a' })
    const sent: (string | null)[] = []
    const fetch = async (input: string | URL, init?: RequestInit) => {
      sent.push(new Headers(init?.headers).get('cache-control'))
      return cms.app.request(String(input), init)
    }
    const api = directusApi({ url: 'http://cms', token: 't', fetch, retry })
    await api.readItem('articles', '1', ['slug'])
    await api.readItemsWhereIn('articles', 'id', ['1'], ['slug'])
    await api.relations()
    expect(sent).toHaveLength(3)
    expect(sent.every((value) => value === 'no-store')).toBe(true)
  })
})
