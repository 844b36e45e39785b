import { signRequest } from '@contentful/node-apps-toolkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sourceContract } from '../contract.ts'
import type { SourceRequest } from '../types.ts'
import { checkSignature } from './signature.ts'
import { contentfulSource, contentfulSourceOptions } from './webhook.ts'

const SECRET = 'qlfkupAwYA4ZkNnmBzmNypFqSRWOwhpGRFwQFn5iPNAGHSYdvwed1C77n0Eiaz19'
const OTHER_SECRET = 'X'.repeat(64)
const NOW = Date.parse('2026-11-23T12:00:00Z')
const URL_PATH = '/hooks/contentful'
const CMA = 'application/vnd.contentful.management.v1+json'

const link = (type: string, id: string) => ({ sys: { type: 'Link', linkType: type, id } })
const baseSys = {
  space: link('Space', 'abc123'),
  environment: link('Environment', 'master'),
  createdAt: '2026-11-20T09:00:00.000Z',
  updatedAt: '2026-11-23T11:59:58.000Z',
  revision: 4,
}
// Payloads as Contentful sends them (shapes from the toolkit's AppEventPayloadMap).
const entryPublish = {
  metadata: { tags: [], concepts: [] },
  sys: {
    ...baseSys,
    type: 'Entry',
    id: '5KsDBWseXY6QegucYAoacS',
    contentType: link('ContentType', 'article'),
    updatedBy: link('User', 'user-1'),
    publishedVersion: 7,
  },
  fields: { title: { 'en-US': 'Hello', 'de-DE': 'Hallo' }, slug: { 'en-US': 'hello' } },
}
const entryUnpublish = {
  sys: {
    ...baseSys,
    type: 'DeletedEntry',
    id: '5KsDBWseXY6QegucYAoacS',
    contentType: link('ContentType', 'article'),
    deletedAt: '2026-11-23T11:59:59.000Z',
    deletedBy: link('User', 'user-2'),
  },
}
const assetPublish = {
  metadata: { tags: [], concepts: [] },
  sys: { ...baseSys, type: 'Asset', id: 'logo', publishedVersion: 3 },
  fields: { title: { 'en-US': 'Logo' }, file: { 'en-US': { fileName: 'logo.png' } } },
}
const assetDelete = { sys: { ...baseSys, type: 'DeletedAsset', id: 'logo' } }

const topic = (name: string) => `ContentManagement.${name}`
const valid = [
  [entryPublish, 'Entry.publish'],
  [entryUnpublish, 'Entry.unpublish'],
  [entryUnpublish, 'Entry.delete'],
  [entryPublish, 'Entry.archive'],
  [entryPublish, 'Entry.unarchive'],
  [assetPublish, 'Asset.publish'],
  [assetDelete, 'Asset.unpublish'],
  [assetDelete, 'Asset.delete'],
  [entryPublish, 'Entry.auto_save'],
  [{ sys: { type: 'ContentType', id: 'article' } }, 'ContentType.publish'],
] as const

/** A request signed by Contentful's own toolkit, over the headers given. */
function signed(body: string, headers: Record<string, string>, at = NOW, secret = SECRET) {
  const signature = signRequest(secret, { method: 'POST', path: URL_PATH, headers, body }, at)
  return {
    method: 'POST',
    url: `https://freshet.test${URL_PATH}`,
    headers: new Headers({ ...headers, ...signature }),
    rawBody: body,
  } satisfies SourceRequest
}

const make = (now = NOW) =>
  contentfulSource({
    signingSecret: SECRET,
    environment: 'master',
    spaceId: 'abc123',
    now: () => now,
  })
const headersFor = (name: string, extra: Record<string, string> = {}) => ({
  'content-type': CMA,
  'x-contentful-topic': topic(name),
  ...extra,
})

sourceContract('contentful', {
  make: () => make(),
  request: (body, headers) => signed(body, headers),
  validBodies: valid.map(([body, name]) => ({
    body: JSON.stringify(body),
    headers: headersFor(name),
  })),
  withoutCredentials: (r) => {
    const headers = new Headers(r.headers)
    for (const name of ['x-contentful-signature', 'x-contentful-timestamp']) headers.delete(name)
    return { ...r, headers }
  },
  withWrongCredentials: (r) => signed(r.rawBody, Object.fromEntries(r.headers), NOW, OTHER_SECRET),
  secrets: [SECRET],
  headerNames: [
    'x-contentful-signature',
    'x-contentful-signed-headers',
    'x-contentful-timestamp',
    'x-contentful-topic',
    'x-contentful-idempotency-key',
  ],
})

/** Parsed only: verification has its own tests (and every valid body passes the contract). */
function parseOne(body: unknown, name: string, extra: Record<string, string> = {}) {
  return make().parse(signed(JSON.stringify(body), headersFor(name, extra)))
}

describe('contentful source: verification', () => {
  const body = JSON.stringify(entryPublish)
  const headers = headersFor('Entry.publish')
  const refused = async (request: SourceRequest, source = make()) => {
    await expect(source.verify(request)).rejects.toMatchObject({ status: 401 })
  }

  it('accepts a request signed by the toolkit', async () => {
    await expect(make().verify(signed(body, headers))).resolves.toBeUndefined()
  })

  it('refuses a tampered body, signed header or timestamp', async () => {
    const good = signed(body, headers)
    await refused({ ...good, rawBody: body.replace('Hello', 'Hullo') })
    const topicChanged = new Headers(good.headers)
    topicChanged.set('x-contentful-topic', topic('Entry.delete'))
    await refused({ ...good, headers: topicChanged })
    const timeChanged = new Headers(good.headers)
    timeChanged.set('x-contentful-timestamp', String(NOW + 1))
    await refused({ ...good, headers: timeChanged })
    await refused({ ...good, url: `${good.url}?x=1` })
  })

  it('refuses a request older than the TTL, or too far ahead', async () => {
    await refused(signed(body, headers, NOW - 30_000))
    await expect(make().verify(signed(body, headers, NOW - 29_999))).resolves.toBeUndefined()
    await refused(signed(body, headers, NOW + 31_000))
  })

  it('refuses a replay of a request it already accepted', async () => {
    const source = make()
    const request = signed(body, headers)
    await expect(source.verify(request)).resolves.toBeUndefined()
    await expect(source.verify(request)).rejects.toThrowError(/replayed/)
  })

  it('refuses, naming it, a signature that leaves out the topic or the content type', async () => {
    // Signed over only the headers given: a captured publish could be replayed as a delete.
    const onlyType = signed(body, { 'content-type': CMA })
    const request = (r: SourceRequest, extra: Record<string, string>) => {
      const withExtra = new Headers(r.headers)
      for (const [name, value] of Object.entries(extra)) withExtra.set(name, value)
      return { ...r, headers: withExtra }
    }
    await expect(
      make().verify(request(onlyType, { 'x-contentful-topic': topic('Entry.delete') })),
    ).rejects.toThrowError(/x-contentful-topic not among x-contentful-signed-headers/)
    const onlyTopic = signed(body, { 'x-contentful-topic': topic('Entry.publish') })
    await expect(make().verify(request(onlyTopic, { 'content-type': CMA }))).rejects.toThrowError(
      /content-type not among/,
    )
    const neither = signed(body, {})
    await expect(make().verify(neither)).rejects.toThrowError(
      /x-contentful-topic and content-type not among/,
    )
  })

  it('ignores, with a reason, topics named after Object.prototype members', () => {
    for (const verb of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(parseOne(entryPublish, `Entry.${verb}`)).toEqual({
        ignored: expect.stringContaining('not an action freshet acts on'),
      })
    }
  })

  it.each([
    ['..', 'sys.id'],
    ['.', 'sys.id'],
    ['a/b', 'sys.id'],
    ['x'.repeat(65), 'sys.id'],
    ['a%2e', 'sys.id'],
  ])('answers 400 to the id %j', (id, where) => {
    const bad = { ...entryPublish, sys: { ...entryPublish.sys, id } }
    expect(() => parseOne(bad, 'Entry.publish')).toThrowError(
      expect.objectContaining({
        status: 400,
        message: expect.stringMatching(new RegExp(`^${where}: `)),
      }),
    )
    const badType = {
      ...entryPublish,
      sys: { ...entryPublish.sys, contentType: link('ContentType', id) },
    }
    expect(() => parseOne(badType, 'Entry.publish')).toThrowError(
      expect.objectContaining({
        status: 400,
        message: expect.stringMatching(/^sys\.contentType\.sys\.id: /),
      }),
    )
  })

  it('agrees with the toolkit on random requests (signed, then checked)', () => {
    const token = fc.stringMatching(/^[a-z0-9-]{1,12}$/)
    fc.assert(
      fc.property(
        fc.constantFrom('POST', 'PUT', 'GET'),
        fc.stringMatching(/^(\/[a-z0-9._~-]{0,10}){1,3}(\?[a-z0-9=&]{1,12})?$/),
        fc.dictionary(token, fc.stringMatching(/^[ -~]{0,30}$/), { maxKeys: 5 }),
        fc.string({ maxLength: 200 }),
        fc.integer({ min: -29_000, max: 29_000 }),
        (method, path, generated, payload, skew) => {
          const headers = { ...generated } // the toolkit refuses null-prototype objects
          const signature = signRequest(
            SECRET,
            { method, path, headers, body: payload },
            NOW + skew,
          )
          const input = {
            method,
            path,
            headers: new Headers({ ...headers, ...signature }),
            body: payload,
          }
          expect(checkSignature(SECRET, input, 30_000, NOW)).toMatchObject({ ok: true })
          expect(checkSignature(OTHER_SECRET, input, 30_000, NOW)).toMatchObject({ ok: false })
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('contentful source: parsing', () => {
  it('turns an entry publish into a change of its content type with locale-keyed fields', () => {
    const delivery = parseOne(entryPublish, 'Entry.publish', {
      'x-contentful-idempotency-key': 'k1',
    })
    expect(delivery).toEqual({
      deliveryKey: 'k1',
      changes: [
        {
          kind: 'item',
          source: 'contentful',
          collection: 'article',
          id: entryPublish.sys.id,
          action: 'publish',
          fields: entryPublish.fields,
          // The published revision, which reconciliation compares with the Sync API's.
          provenance: {
            topic: topic('Entry.publish'),
            deliveryKey: 'k1',
            actor: 'user-1',
            revision: 4,
          },
        },
      ],
    })
  })

  it.each([
    ['Entry.unpublish', entryUnpublish, 'article', 'unpublish'],
    ['Entry.delete', entryUnpublish, 'article', 'delete'],
    ['Entry.archive', entryPublish, 'article', 'archive'],
    ['Entry.unarchive', entryPublish, 'article', 'unarchive'],
    ['Asset.publish', assetPublish, 'Asset', 'publish'],
    ['Asset.unpublish', assetDelete, 'Asset', 'unpublish'],
    ['Asset.delete', assetDelete, 'Asset', 'delete'],
  ])('maps %s', (name, body, collection, action) => {
    expect(parseOne(body, name)).toMatchObject({
      changes: [{ collection, action, id: body.sys.id }],
    })
  })

  it('marks a scheduled publish with its scheduled action id', () => {
    const delivery = parseOne(entryPublish, 'Entry.publish', {
      'x-contentful-scheduled-action-id': 'sched-42',
    })
    expect(delivery).toMatchObject({ changes: [{ provenance: { scheduledActionId: 'sched-42' } }] })
  })

  it.each([
    'Entry.create',
    'Entry.save',
    'Entry.auto_save',
    'Asset.auto_save',
    'ContentType.publish',
  ])('ignores %s', (name) => {
    expect(parseOne(entryPublish, name)).toEqual({ ignored: expect.stringContaining(name) })
  })

  it('ignores another environment', () => {
    const staging = {
      ...entryPublish,
      sys: { ...entryPublish.sys, environment: link('Environment', 'staging') },
    }
    expect(parseOne(staging, 'Entry.publish')).toEqual({
      ignored: 'environment staging is not master',
    })
  })

  it.each([
    ['a topic that is not ContentManagement.<Type>.<action>', entryPublish, 'nonsense'],
    ['an Asset topic with an entry body', entryPublish, 'Asset.publish'],
    ['an entry without a content type', assetPublish, 'Entry.publish'],
  ])('answers 400 for %s', (_, body, name) => {
    const source = make()
    const headers = {
      ...headersFor(name),
      'x-contentful-topic': name.includes('.') ? topic(name) : name,
    }
    const request = signed(JSON.stringify(body), headers)
    expect(() => source.parse(request)).toThrowError(expect.objectContaining({ status: 400 }))
  })

  it('validates its options: a 64-character secret, defaults, doc strings', () => {
    expect(() => contentfulSourceOptions.parse({ signingSecret: 'short' })).toThrow(/64/)
    expect(contentfulSourceOptions.parse({ signingSecret: SECRET })).toEqual({
      signingSecret: SECRET,
      environment: 'master',
      ttlSeconds: 30,
    })
    for (const key of Object.values(contentfulSourceOptions.shape))
      expect(key.description).toBeTruthy()
  })
})
