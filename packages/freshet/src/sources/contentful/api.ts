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
  sys: { id: string; type: string; contentType?: { sys: { id: string } } }
  fields: Record<string, Record<string, unknown>>
}

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
}

const PAGE = 1000

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

  return {
    async entry(id, signal, kind = 'entry') {
      const answer = await call(
        `/${kind === 'asset' ? 'assets' : 'entries'}/${seg(id)}?locale=*`,
        signal,
        [404],
      )
      return answer.status === 404 ? undefined : (answer.body as ContentfulEntry)
    },
    async linking(kind, id, signal) {
      const found: ContentfulEntry[] = []
      for (let skip = 0; ; skip += PAGE) {
        const query = new URLSearchParams({
          [`links_to_${kind}`]: id,
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
    },
  }
}
