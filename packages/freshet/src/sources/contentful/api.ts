/**
 * Reads entries from the Contentful Delivery (or Preview) API with `locale=*`, so fields come
 * keyed by locale. A 404 means unpublished, archived or deleted: gone.
 */
import { z } from 'zod'
import {
  apiBase,
  type CmsRetry,
  type FetchLike,
  pathSegment,
  requestJson,
} from '../../planner/cms-http.ts'

export interface ContentfulEntry {
  sys: { id: string; type: string; revision?: number; contentType?: { sys: { id: string } } }
  fields: Record<string, Record<string, unknown>>
}

/** One field of a content type, as `GET /content_types` answers it. */
export interface ContentfulField {
  id: string
  type: string
  localized?: boolean
  linkType?: string
  items?: { type: string; linkType?: string }
}

export interface ContentfulContentType {
  sys: { id: string }
  fields: ContentfulField[]
}

export const readAfterPublishConfig = z
  .strictObject({
    timeoutSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(60)
      .describe(
        "Before planning, wait at most this long for the Delivery API's CDN to serve each published revision (404 for an unpublish or delete); then proceed with a plan note. 0: do not wait.",
      ),
    pollInitialMs: z
      .number()
      .int()
      .min(10)
      .default(250)
      .describe('First wait between two checks of the Delivery API; doubles each time.'),
    pollMaxMs: z
      .number()
      .int()
      .min(10)
      .default(5000)
      .describe('Longest wait between two checks of the Delivery API.'),
  })
  .describe(
    'Read-after-publish: the pods (and the planner) read what the webhook published, not an older copy from the CDN.',
  )

export const contentfulApiConfig = z
  .strictObject({
    api: z
      .enum(['delivery', 'preview'])
      .default('delivery')
      .describe(
        'Read published content (Delivery API) or drafts too (Preview API, needs a preview token).',
      ),
    host: z
      .url()
      .optional()
      .describe(
        'API base URL; default https://cdn.contentful.com or https://preview.contentful.com.',
      ),
    fallbackLocale: z
      .string()
      .default('en-US')
      .describe('Locale whose value a field takes where a locale has none (the space default).'),
    locales: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "The space's locales: every item renders its routes in each (with fallback). Absent: the locales the item's fields have.",
      ),
    readAfterPublish: readAfterPublishConfig.prefault({}),
  })
  .describe('How the planner reads Contentful.')

export interface ContentfulApiOptions {
  spaceId: string
  environment: string
  accessToken: string
  fetch: FetchLike
  retry: CmsRetry
  api?: 'delivery' | 'preview'
  host?: string | undefined
}

export interface ContentfulApi {
  /** The entry (or asset) with locale-keyed fields, or undefined when the API has it not. */
  entry(
    id: string,
    signal?: AbortSignal,
    kind?: 'entry' | 'asset',
  ): Promise<ContentfulEntry | undefined>
  /** Entries with a direct link to the entry or asset (`links_to_entry` / `links_to_asset`). */
  linking(kind: 'entry' | 'asset', id: string, signal?: AbortSignal): Promise<ContentfulEntry[]>
  /** The content model (`GET /content_types`): which fields of which types hold links. */
  contentTypes(signal?: AbortSignal): Promise<ContentfulContentType[]>
  /**
   * Entries of `contentType` whose link field `field` points at one of `ids`
   * (`fields.<field>.sys.id[in]=…`, as the Delivery API's search on references documents).
   */
  linkingVia(
    contentType: string,
    field: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<ContentfulEntry[]>
  /**
   * The revision the API serves now of each id (`sys.id[in]`, many per request); an id it
   * does not serve (unpublished, deleted, or not propagated yet) is absent.
   */
  revisions(
    kind: 'entry' | 'asset',
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, number>>
}

const PAGE = 1000
// Ids per `sys.id[in]`: ids are at most 64 characters, so a request stays under ~7 KB of URL.
export const IDS_PER_REQUEST = 100

export function contentfulApi(options: ContentfulApiOptions): ContentfulApi {
  const defaultHost =
    options.api === 'preview' ? 'https://preview.contentful.com' : 'https://cdn.contentful.com'
  const seg = (value: string) => pathSegment('contentful', value)
  const base = `${apiBase(options.host ?? defaultHost)}/spaces/${seg(options.spaceId)}/environments/${seg(options.environment)}`
  const init = { headers: { authorization: `Bearer ${options.accessToken}` } }
  const call = (path: string, signal?: AbortSignal, accept?: number[]) =>
    requestJson(options.fetch, base + path, init, {
      origin: 'contentful',
      retry: options.retry,
      signal,
      ...(accept ? { accept } : {}),
    })

  /** Every entry matching `filter`, page by page, fields in every locale. */
  async function allEntries(filter: Record<string, string>, signal?: AbortSignal) {
    const found: ContentfulEntry[] = []
    for (let skip = 0; ; skip += PAGE) {
      const query = new URLSearchParams({
        ...filter,
        locale: '*',
        include: '0',
        limit: String(PAGE),
        skip: String(skip),
      })
      const body = (await call(`/entries?${query}`, signal)).body as {
        items: ContentfulEntry[]
        total: number
      }
      found.push(...body.items)
      if (skip + PAGE >= body.total || body.items.length === 0) return found
    }
  }

  return {
    async entry(id, signal, kind = 'entry') {
      const answer = await call(
        `/${kind === 'asset' ? 'assets' : 'entries'}/${seg(id)}?locale=*`,
        signal,
        [404],
      )
      return answer.status === 404 ? undefined : (answer.body as ContentfulEntry)
    },
    linking: (kind, id, signal) => allEntries({ [`links_to_${kind}`]: id }, signal),
    async contentTypes(signal) {
      const body = (await call(`/content_types?limit=${PAGE}`, signal)).body as {
        items: ContentfulContentType[]
      }
      return body.items
    },
    linkingVia: (contentType, field, ids, signal) =>
      allEntries(
        { content_type: contentType, [`fields.${field}.sys.id[in]`]: ids.join(',') },
        signal,
      ),
    async revisions(kind, ids, signal) {
      const served = new Map<string, number>()
      for (let at = 0; at < ids.length; at += IDS_PER_REQUEST) {
        const query = new URLSearchParams({
          'sys.id[in]': ids.slice(at, at + IDS_PER_REQUEST).join(','),
          select: 'sys.id,sys.revision',
          limit: String(IDS_PER_REQUEST),
          ...(kind === 'entry' ? { include: '0' } : {}),
        })
        const path = `/${kind === 'asset' ? 'assets' : 'entries'}?${query}`
        const body = (await call(path, signal)).body as { items: ContentfulEntry[] }
        for (const item of body.items) served.set(item.sys.id, item.sys.revision ?? 0)
      }
      return served
    },
  }
}
