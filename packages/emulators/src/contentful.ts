/**
 * A local Contentful Content Delivery (or Preview) API over an in-memory space, for tests, the
 * demo and the bench. Shaped like cdn.contentful.com answers:
 *
 * - `GET /spaces/{space}/environments/{env}/entries/{id}?locale=*` → the entry, fields keyed by
 *   locale (without `locale=*`: the default locale's values and `sys.locale`); 404 `NotFound`;
 * - `GET …/entries?links_to_entry=<id>` / `links_to_asset=<id>` (direct linkers only),
 *   `sys.id[in]=a,b`, `content_type=`, `fields.<f>=v`, `fields.<f>.sys.id[in]=a,b`,
 *   `include=0..10`, `limit` (≤ 1000), `skip` →
 *   `{ sys: { type: 'Array' }, total, skip, limit, items, includes? }`;
 * - `GET …/assets/{id}`; `GET …/content_types` (the model, derived from the entries);
 *   `/spaces/{space}/entries…` means the `master` environment;
 * - `Authorization: Bearer <token>` or `?access_token=`; 401 `AccessTokenInvalid` otherwise;
 * - `GET …/sync` (the Sync API): see `contentful-sync.ts`.
 *
 * `sys.revision` counts an entity's publishes, as the Delivery API's does. With a lag
 * (`lagMs`, or `setLag`), a publish or unpublish reaches readers only that long after it
 * happened: until then every read serves what was served before, as Contentful's CDN does while
 * its purge is throttled.
 */

import { type Context, Hono } from 'hono'
import { createCmsRequests } from './cms-requests.ts'
import { mountContentfulSync } from './contentful-sync.ts'
import { loopbackServer } from './loopback.ts'

export type LocalizedFields = Record<string, Record<string, unknown>>

export interface ContentfulEntity {
  sys: Record<string, unknown> & { id: string; type: 'Entry' | 'Asset' }
  fields: LocalizedFields
}

export interface ContentfulEmulatorOptions {
  spaceId: string
  accessToken: string
  environment?: string
  defaultLocale?: string
  delayMs?: number
  /** How long a publish or unpublish takes to reach readers (default 0: at once). */
  lagMs?: number
}

/** What readers still see of one entity while a change has not reached them. */
interface Lagging {
  served: ContentfulEntity | undefined
  until: number
}

const link = (linkType: string, id: string) => ({ sys: { type: 'Link', linkType, id } })
const error = (id: string, message: string) => ({
  sys: { type: 'Error', id },
  message,
  requestId: 'emulator',
})

/** Every `{ sys: { type: 'Link' } }` inside a value (fields, arrays, rich text). */
function linksIn(value: unknown, out: Array<{ linkType: string; id: string }> = []) {
  if (Array.isArray(value)) for (const v of value) linksIn(v, out)
  else if (value && typeof value === 'object') {
    const sys = (value as { sys?: { type?: string; linkType?: string; id?: string } }).sys
    if (sys?.type === 'Link' && sys.linkType && sys.id)
      out.push({ linkType: sys.linkType, id: sys.id })
    else for (const v of Object.values(value)) linksIn(v, out)
  }
  return out
}

export function createContentfulEmulator(options: ContentfulEmulatorOptions) {
  const environment = options.environment ?? 'master'
  const defaultLocale = options.defaultLocale ?? 'en-US'
  const entries = new Map<string, ContentfulEntity>()
  const assets = new Map<string, ContentfulEntity>()
  const cms = createCmsRequests(options.delayMs)
  const revisions = new Map<string, number>()
  const lagging = new Map<string, Lagging>()
  let lagMs = options.lagMs ?? 0

  /** Before `store` changes `id`: what readers saw goes on being served for `lagMs`. */
  const holdBack = (store: Map<string, ContentfulEntity>, type: string, id: string) => {
    const key = `${type}:${id}`
    const held = lagging.get(key)
    if (lagMs <= 0) {
      lagging.delete(key)
      return
    }
    const now = Date.now()
    const served = held && held.until > now ? held.served : store.get(id)
    lagging.set(key, { served, until: now + lagMs })
  }

  /** The entity as readers see it now (undefined: a 404). */
  const served = (store: Map<string, ContentfulEntity>, type: string, id: string) => {
    const held = lagging.get(`${type}:${id}`)
    return held && held.until > Date.now() ? held.served : store.get(id)
  }

  /** Every entity of a store as readers see it now. */
  const servedAll = (store: Map<string, ContentfulEntity>, type: string) => {
    const ids = new Set(store.keys())
    for (const key of lagging.keys())
      if (key.startsWith(`${type}:`)) ids.add(key.slice(type.length + 1))
    return [...ids].flatMap((id) => served(store, type, id) ?? [])
  }

  const sys = (id: string, type: 'Entry' | 'Asset', contentType?: string) => ({
    space: link('Space', options.spaceId),
    id,
    type,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date().toISOString(),
    environment: link('Environment', environment),
    revision: bump(`${type}:${id}`),
    ...(contentType ? { contentType: link('ContentType', contentType) } : {}),
  })

  function bump(key: string) {
    const next = (revisions.get(key) ?? 0) + 1
    revisions.set(key, next)
    return next
  }

  const graph = {
    entries,
    assets,
    /** Publishes (creates or replaces) an entry; fields are locale-keyed. Answers the entity. */
    publishEntry(id: string, contentType: string, fields: LocalizedFields): ContentfulEntity {
      holdBack(entries, 'Entry', id)
      const entity: ContentfulEntity = { sys: sys(id, 'Entry', contentType), fields }
      entries.set(id, entity)
      return entity
    },
    publishAsset(id: string, fields: LocalizedFields): ContentfulEntity {
      holdBack(assets, 'Asset', id)
      const entity: ContentfulEntity = { sys: sys(id, 'Asset'), fields }
      assets.set(id, entity)
      return entity
    },
    /** Unpublish, archive or delete: the Delivery API no longer has it. */
    unpublish(id: string) {
      if (entries.has(id)) holdBack(entries, 'Entry', id)
      else if (assets.has(id)) holdBack(assets, 'Asset', id)
      entries.delete(id) || assets.delete(id)
    },
    link: (id: string) => link('Entry', id),
    assetLink: (id: string) => link('Asset', id),
  }

  const localize = (entity: ContentfulEntity, locale: string | undefined) => {
    if (locale === '*') return entity
    const code = locale ?? defaultLocale
    const fields: Record<string, unknown> = {}
    for (const [name, byLocale] of Object.entries(entity.fields)) {
      const value = byLocale[code] ?? byLocale[defaultLocale]
      if (value !== undefined) fields[name] = value
    }
    return { sys: { ...entity.sys, locale: code }, fields }
  }

  const matches = (entity: ContentfulEntity, params: URLSearchParams) => {
    const links = linksIn(entity.fields)
    const toEntry = params.get('links_to_entry')
    const toAsset = params.get('links_to_asset')
    const ids = params.get('sys.id[in]')?.split(',')
    const id = params.get('sys.id')
    const type = params.get('content_type')
    const contentType = (entity.sys.contentType as { sys: { id: string } } | undefined)?.sys.id
    return (
      fieldFiltersMatch(entity, params) &&
      (!toEntry || links.some((l) => l.linkType === 'Entry' && l.id === toEntry)) &&
      (!toAsset || links.some((l) => l.linkType === 'Asset' && l.id === toAsset)) &&
      (!ids || ids.includes(entity.sys.id)) &&
      (!id || id === entity.sys.id) &&
      (!type || type === contentType)
    )
  }

  /**
   * `fields.<name>=value` (equality on the default locale's value, or each item of an array)
   * and `fields.<name>.sys.id[in]=a,b` / `fields.<name>.sys.id=a` (a link field, or an array of
   * links, to one of these ids), as the Delivery API's search parameters document them.
   */
  const fieldFiltersMatch = (entity: ContentfulEntity, params: URLSearchParams) => {
    for (const [key, value] of params) {
      const m = /^fields\.([A-Za-z0-9_]+)(\.sys\.id)?(\[in\])?$/.exec(key)
      if (!m) continue
      const [, name = '', link, inList] = m
      const wanted = inList ? value.split(',') : [value]
      const raw = entity.fields[name]?.[defaultLocale]
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) =>
        link ? (v as { sys?: { id?: string } } | undefined)?.sys?.id : v,
      )
      if (!values.some((v) => v !== undefined && wanted.includes(String(v)))) return false
    }
    return true
  }

  /** Linked entries and assets up to `depth` levels, not already among `items`. */
  const includesOf = (items: ContentfulEntity[], depth: number) => {
    const seen = new Set(items.map((i) => `${i.sys.type}:${i.sys.id}`))
    const found = { Entry: [] as ContentfulEntity[], Asset: [] as ContentfulEntity[] }
    let frontier = items
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: ContentfulEntity[] = []
      for (const l of frontier.flatMap((i) => linksIn(i.fields))) {
        const target =
          l.linkType === 'Asset' ? served(assets, 'Asset', l.id) : served(entries, 'Entry', l.id)
        const key = `${l.linkType}:${l.id}`
        if (!target || seen.has(key)) continue
        seen.add(key)
        found[l.linkType === 'Asset' ? 'Asset' : 'Entry'].push(target)
        next.push(target)
      }
      frontier = next
    }
    return found
  }

  const app = new Hono()
  app.use(async (c, next) => {
    const { failure, token } = await cms.admit(c)
    if (failure) return c.json(error('ServerError', 'Injected failure'), failure as 500)
    if (token !== options.accessToken) {
      const message = 'The access token you sent could not be found or is invalid.'
      return c.json(error('AccessTokenInvalid', message), 401)
    }
    const space = c.req.path.split('/')[2]
    const env = c.req.path.split('/')[3] === 'environments' ? c.req.path.split('/')[4] : 'master'
    if (space !== options.spaceId || env !== environment) {
      return c.json(error('NotFound', 'The resource could not be found.'), 404)
    }
    await next()
  })

  const typeOf = (store: Map<string, ContentfulEntity>) => (store === assets ? 'Asset' : 'Entry')

  const one = (store: Map<string, ContentfulEntity>) => (c: Context) => {
    const entity = served(store, typeOf(store), c.req.param('id') ?? '')
    if (!entity) return c.json(error('NotFound', 'The resource could not be found.'), 404)
    return c.json(localize(entity, c.req.query('locale')))
  }

  const collection = (store: Map<string, ContentfulEntity>) => (c: Context) => {
    const params = new URL(c.req.url).searchParams
    const limit = Number(params.get('limit') ?? 100)
    if (limit > 1000) return c.json(error('BadRequest', 'limit must be at most 1000'), 400)
    const skip = Number(params.get('skip') ?? 0)
    const include = Math.min(Number(params.get('include') ?? 1), 10)
    const all = servedAll(store, typeOf(store)).filter((e) => matches(e, params))
    const items = all.slice(skip, skip + limit)
    const locale = params.get('locale') ?? undefined
    const body: Record<string, unknown> = {
      sys: { type: 'Array' },
      total: all.length,
      skip,
      limit,
      items: items.map((i) => localize(i, locale)),
    }
    const inc = store === entries && include > 0 ? includesOf(items, include) : undefined
    if (inc && inc.Entry.length + inc.Asset.length > 0) {
      body.includes = {
        Entry: inc.Entry.map((e) => localize(e, locale)),
        Asset: inc.Asset.map((a) => localize(a, locale)),
      }
    }
    return c.json(body)
  }

  /** A field's type as the content model would declare it, from one value. */
  const fieldType = (value: unknown): Record<string, unknown> => {
    const first = Array.isArray(value) ? value[0] : value
    const sys = (first as { sys?: { type?: string; linkType?: string } } | undefined)?.sys
    const item = sys?.type === 'Link' ? { type: 'Link', linkType: sys.linkType } : undefined
    if (Array.isArray(value)) return { type: 'Array', items: item ?? { type: 'Symbol' } }
    if (item) return item
    if ((value as { nodeType?: string } | null)?.nodeType === 'document')
      return { type: 'RichText' }
    return { type: typeof value === 'number' ? 'Number' : 'Symbol' }
  }

  /**
   * `GET …/content_types`: the content model, derived from what is published (the emulator has
   * no model of its own): each field's type, and `localized` when it has more than one locale.
   */
  const contentTypes = (c: Context) => {
    const types = new Map<string, Map<string, Record<string, unknown>>>()
    for (const entry of entries.values()) {
      const id = (entry.sys.contentType as { sys: { id: string } } | undefined)?.sys.id
      if (!id) continue
      const fields = types.get(id) ?? new Map<string, Record<string, unknown>>()
      for (const [name, byLocale] of Object.entries(entry.fields)) {
        const values = Object.values(byLocale)
        const localized = values.length > 1 || fields.get(name)?.localized === true
        fields.set(name, { id: name, name, ...fieldType(values[0]), localized })
      }
      types.set(id, fields)
    }
    const items = [...types].map(([id, fields]) => ({
      sys: { type: 'ContentType', id },
      name: id,
      fields: [...fields.values()],
    }))
    return c.json({ sys: { type: 'Array' }, total: items.length, skip: 0, limit: 1000, items })
  }

  for (const prefix of ['/spaces/:space/environments/:env', '/spaces/:space']) {
    app.get(`${prefix}/content_types`, contentTypes)
    app.get(`${prefix}/entries/:id`, one(entries))
    app.get(`${prefix}/entries`, collection(entries))
    app.get(`${prefix}/assets/:id`, one(assets))
    app.get(`${prefix}/assets`, collection(assets))
  }

  const sync = mountContentfulSync(app, graph, { spaceId: options.spaceId, environment })
  const server = loopbackServer(app)
  return {
    graph,
    app,
    sync,
    ...cms.controls,
    /** From now on, publishes and unpublishes reach readers `ms` after they happen. */
    setLag(ms: number) {
      lagMs = ms
    },
    listen: server.listen,
    close: server.close,
  }
}

export type ContentfulEmulator = ReturnType<typeof createContentfulEmulator>
