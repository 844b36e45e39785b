import { describe, expect, it } from 'vitest'
import { HttpError } from '../../http/errors.ts'
import { sourceContract } from '../contract.ts'
import type { SourceRequest } from '../types.ts'
import { directusSource, directusSourceOptions } from './webhook.ts'

const SECRET = 'directus-flow-secret-0123456789'
const URL_BASE = 'https://freshet.test/hooks/directus'
const JSON_TYPE = { 'content-type': 'application/json' }

// Bodies as a Flow's Request URL operation sends `{{$trigger}}` (Directus' ItemsService emits
// `{ event, ...meta }`), and as the Webhooks module of Directus < 12 sent them.
const flowCreate = {
  event: 'articles.items.create',
  payload: { title: 'Hello', slug: 'hello', status: 'published', id: 7 },
  key: 7,
  collection: 'articles',
}
const flowUpdate = {
  event: 'articles.items.update',
  payload: { title: 'Hello again' },
  keys: ['7', '8'],
  collection: 'articles',
}
const flowDelete = {
  event: 'articles.items.delete',
  payload: [7, 8],
  keys: [7, 8],
  collection: 'articles',
}
const oldWebhook = {
  event: 'items.update',
  accountability: { user: '2f6c…-user', role: 'admin-role' },
  payload: { slug: 'renamed' },
  keys: ['9a3c5d8e-1111-4c2b-9e6f-0f0f0f0f0f0f'],
  collection: 'pages',
}
const filesUpdate = {
  event: 'files.update',
  payload: { title: 'Logo' },
  keys: ['c1b0…'],
  collection: 'directus_files',
}

function request(body: string, headers: Record<string, string>, url = URL_BASE): SourceRequest {
  return {
    method: 'POST',
    url,
    headers: new Headers({ authorization: `Bearer ${SECRET}`, ...headers }),
    rawBody: body,
  }
}

const source = directusSource({ secret: SECRET })
const parse = (body: unknown) => source.parse(request(JSON.stringify(body), JSON_TYPE))

sourceContract('directus', {
  make: () => directusSource({ secret: SECRET }),
  request,
  validBodies: [flowCreate, flowUpdate, flowDelete, oldWebhook, filesUpdate].map((body) => ({
    body: JSON.stringify(body),
    headers: JSON_TYPE,
  })),
  withoutCredentials: (r) => {
    const headers = new Headers(r.headers)
    headers.delete('authorization')
    return { ...r, headers }
  },
  withWrongCredentials: (r) => {
    const headers = new Headers(r.headers)
    headers.set('authorization', `Bearer ${SECRET.slice(0, -1)}X`)
    return { ...r, headers }
  },
  secrets: [SECRET],
  headerNames: ['authorization'],
})

describe('directus source', () => {
  it('turns a Flow create into one change with the payload as fields and a string id', () => {
    expect(parse(flowCreate)).toEqual({
      changes: [
        {
          kind: 'item',
          source: 'directus',
          collection: 'articles',
          id: '7',
          action: 'create',
          fields: flowCreate.payload,
          provenance: { topic: 'articles.items.create' },
        },
      ],
    })
  })

  it('turns a batch update into one change per key, each with the changed fields only', () => {
    const delivery = parse(flowUpdate)
    if (!('changes' in delivery)) throw new Error('expected changes')
    expect(delivery.changes.map((c) => c.kind === 'item' && [c.id, c.action, c.fields])).toEqual([
      ['7', 'update', { title: 'Hello again' }],
      ['8', 'update', { title: 'Hello again' }],
    ])
  })

  it('records no fields for a delete, whose payload is only its keys', () => {
    const delivery = parse(flowDelete)
    if (!('changes' in delivery)) throw new Error('expected changes')
    expect(delivery.changes).toHaveLength(2)
    for (const change of delivery.changes) {
      expect(change).toMatchObject({ action: 'delete', collection: 'articles' })
      expect(change).not.toHaveProperty('fields')
    }
  })

  it('reads the old webhook shape with its collection and actor', () => {
    const delivery = parse(oldWebhook)
    if (!('changes' in delivery)) throw new Error('expected changes')
    expect(delivery.changes[0]).toMatchObject({
      collection: 'pages',
      id: oldWebhook.keys[0],
      action: 'update',
      provenance: { topic: 'items.update', actor: '2f6c…-user' },
    })
  })

  it('reads a system collection event (files.update on directus_files)', () => {
    const delivery = parse(filesUpdate)
    expect(delivery).toMatchObject({
      changes: [{ collection: 'directus_files', action: 'update' }],
    })
  })

  it('ignores other item events such as items.sort', () => {
    expect(parse({ ...flowUpdate, event: 'articles.items.sort' })).toEqual({
      ignored: 'event articles.items.sort: not a create, update or delete',
    })
  })

  it.each([
    ['an event naming another collection', { ...flowUpdate, collection: 'pages' }],
    ['items.<action> without a collection', { event: 'items.create', key: 1 }],
    ['no key at all', { event: 'articles.items.update', collection: 'articles' }],
    ['an empty keys list', { ...flowUpdate, keys: [] }],
    ['a fractional key', { ...flowCreate, key: 1.5 }],
    ['a nonsense event', { ...flowCreate, event: 'hello world' }],
    ['the key ..', { ...flowUpdate, keys: ['..'] }],
    ['the key .', { ...flowCreate, key: '.' }],
    ['a key with a /', { ...flowUpdate, keys: [1, 'a/b'] }],
    ['a key with a control character', { ...flowUpdate, keys: ['a\tb'] }],
    ['the collection ..', { event: 'items.update', collection: '..', keys: [1] }],
    ['a collection with a /', { event: 'items.update', collection: 'a/b', keys: [1] }],
    ['an event naming the collection ..', { event: '...items.update', keys: [1] }],
    ['an event naming a collection with a /', { event: 'a/b.items.update', keys: [1] }],
  ])('answers 400 for %s', (_, body) => {
    expect(() => parse(body)).toThrowError(expect.objectContaining({ status: 400 }))
  })

  it('accepts the secret as ?secret= instead of a Bearer header', () => {
    const viaQuery: SourceRequest = {
      ...request(JSON.stringify(flowCreate), JSON_TYPE, `${URL_BASE}?secret=${SECRET}`),
      headers: new Headers(JSON_TYPE),
    }
    expect(() => source.verify(viaQuery)).not.toThrow()
    const wrong = { ...viaQuery, url: `${URL_BASE}?secret=${SECRET}x` }
    expect(() => source.verify(wrong)).toThrow(HttpError)
  })

  it('validates its options with defaults and doc strings', () => {
    expect(() => directusSourceOptions.parse({ secret: 'short' })).toThrow(/16 characters/)
    const parsed = directusSourceOptions.parse({ secret: SECRET, schedule: {} })
    expect(parsed.schedule).toEqual({
      collections: [],
      sweepIntervalSeconds: 60,
      overlapSeconds: 120,
    })
    for (const key of Object.values(directusSourceOptions.shape))
      expect(key.description).toBeTruthy()
  })
})
