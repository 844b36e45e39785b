/**
 * Contentful's Sync API (`GET /spaces/{space}/environments/{env}/sync`): `initial=true` pages
 * through every published entry and asset; each page links the next (`nextPageUrl`) until the
 * last one links the next delta (`nextSyncUrl`). Both carry a `sync_token`, the only thing
 * worth keeping: a later request with it answers what was published, unpublished or deleted
 * since. A token Contentful refuses (400) is `SyncTokenRefused`, so the caller can start over.
 */
import { z } from 'zod'
import {
  apiBase,
  CmsError,
  type CmsRetry,
  type FetchLike,
  pathSegment,
  requestJson,
} from '../../planner/cms-http.ts'

const link = z.object({ sys: z.object({ id: z.string() }) })

export const syncItem = z.object({
  sys: z.object({
    type: z.enum(['Entry', 'Asset', 'DeletedEntry', 'DeletedAsset']),
    id: z.string().min(1),
    revision: z.number().int().optional(),
    updatedAt: z.string().optional(),
    deletedAt: z.string().optional(),
    contentType: link.optional(),
  }),
  fields: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
})
export type SyncItem = z.infer<typeof syncItem>

const syncPage = z.object({
  items: z.array(z.unknown()),
  nextPageUrl: z.string().optional(),
  nextSyncUrl: z.string().optional(),
})

export interface SyncPage {
  /** Entries, assets and deletions this page holds (items of other types are left out). */
  items: SyncItem[]
  /** The token of the next page, or of the next delta once `caughtUp`. */
  token: string
  /** The last page: the token asks for what changes from now on. */
  caughtUp: boolean
}

export class SyncTokenRefused extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SyncTokenRefused'
  }
}

export interface ContentfulSyncOptions {
  spaceId: string
  environment: string
  accessToken: string
  fetch: FetchLike
  retry: CmsRetry
  host?: string | undefined
}

export interface ContentfulSync {
  /** The first page of an initial sync (no token), or the page a token names. */
  page(token: string | undefined, signal?: AbortSignal): Promise<SyncPage>
}

export function contentfulSync(options: ContentfulSyncOptions): ContentfulSync {
  const seg = (value: string) => pathSegment('contentful', value)
  const base = `${apiBase(options.host ?? 'https://cdn.contentful.com')}/spaces/${seg(options.spaceId)}/environments/${seg(options.environment)}/sync`
  const init = { headers: { authorization: `Bearer ${options.accessToken}` } }
  return {
    async page(token, signal) {
      const query = token ? new URLSearchParams({ sync_token: token }) : 'initial=true'
      const answer = await requestJson(options.fetch, `${base}?${query}`, init, {
        origin: 'contentful',
        retry: options.retry,
        signal,
        accept: [400],
      })
      if (answer.status === 400) {
        const message = (answer.body as { message?: string } | null)?.message ?? 'Bad Request'
        const what = `[freshet] [contentful] GET /sync answered 400: ${message}`
        if (token) throw new SyncTokenRefused(what)
        throw new CmsError(what, 400)
      }
      const body = syncPage.parse(answer.body)
      const next = body.nextSyncUrl ?? body.nextPageUrl
      const nextToken = next ? new URL(next).searchParams.get('sync_token') : null
      if (!nextToken)
        throw new CmsError('[freshet] [contentful] GET /sync: no nextPageUrl or nextSyncUrl')
      const items = body.items.flatMap((raw) => {
        const item = syncItem.safeParse(raw)
        return item.success ? [item.data] : []
      })
      return { items, token: nextToken, caughtUp: body.nextSyncUrl !== undefined }
    },
  }
}
