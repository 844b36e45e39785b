/**
 * Reads items and relations from the Directus REST API with a static token. Directus answers a
 * missing item with 403 FORBIDDEN (it does not reveal what does not exist): that means gone.
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

export type DirectusItem = Record<string, unknown>

export interface DirectusRelation {
  collection: string
  field: string
  related_collection: string | null
  meta: {
    one_field?: string | null
    junction_field?: string | null
    /** Many-to-any: the collections `field` may point into, and the field that names which. */
    one_allowed_collections?: string[] | null
    one_collection_field?: string | null
  } | null
}

export const directusApiConfig = z
  .strictObject({
    searchMethod: z
      .boolean()
      .default(true)
      .describe(
        'Send long id lists with the SEARCH method (query in the body) instead of splitting them.',
      ),
    maxUrlLength: z
      .number()
      .int()
      .min(500)
      .default(6000)
      .describe(
        'Longest GET URL freshet sends to Directus; longer queries use SEARCH or are split.',
      ),
  })
  .describe('How the planner reads Directus.')

export interface DirectusApiOptions {
  url: string
  token: string
  fetch: FetchLike
  retry: CmsRetry
  searchMethod?: boolean
  maxUrlLength?: number
}

export interface DirectusApi {
  /** The item's fields, or undefined when Directus says it is not there (403). */
  readItem(
    collection: string,
    id: string,
    fields: string[],
    signal?: AbortSignal,
  ): Promise<DirectusItem | undefined>
  /** Items whose `field` is one of `ids` (all pages). */
  readItemsWhereIn(
    collection: string,
    field: string,
    ids: string[],
    fields: string[],
    signal?: AbortSignal,
  ): Promise<DirectusItem[]>
  relations(signal?: AbortSignal): Promise<DirectusRelation[]>
}

const dataOf = <T>(body: unknown): T => (body as { data: T }).data

export function directusApi(options: DirectusApiOptions): DirectusApi {
  const base = apiBase(options.url)
  // `no-store`: never an answer from Directus' own cache, which may predate the webhook. Directus
  // skips its cache for it where CACHE_SKIP_ALLOWED=true (api/src/utils/should-skip-cache.ts).
  const headers = {
    authorization: `Bearer ${options.token}`,
    accept: 'application/json',
    'cache-control': 'no-store',
  }
  const maxUrl = options.maxUrlLength ?? 6000
  const call = (path: string, init: RequestInit, signal?: AbortSignal, accept?: number[]) =>
    requestJson(
      options.fetch,
      base + path,
      { ...init, headers: { ...headers, ...init.headers } },
      {
        origin: 'directus',
        retry: options.retry,
        signal,
        ...(accept ? { accept } : {}),
      },
    )
  const seg = (value: string) => pathSegment('directus', value)

  async function whereIn(
    collection: string,
    field: string,
    ids: string[],
    fields: string[],
    signal?: AbortSignal,
  ): Promise<DirectusItem[]> {
    const query = new URLSearchParams({
      [`filter[${field}][_in]`]: ids.join(','),
      fields: fields.join(','),
      limit: '-1',
    })
    const path = `/items/${seg(collection)}?${query}`
    if (base.length + path.length <= maxUrl)
      return dataOf<DirectusItem[]>((await call(path, {}, signal)).body)
    if (options.searchMethod !== false) {
      const body = JSON.stringify({
        query: { filter: { [field]: { _in: ids } }, fields, limit: -1 },
      })
      const init = { method: 'SEARCH', body, headers: { 'content-type': 'application/json' } }
      return dataOf<DirectusItem[]>((await call(`/items/${seg(collection)}`, init, signal)).body)
    }
    const half = Math.ceil(ids.length / 2)
    if (half === ids.length)
      throw new Error(`[freshet] [directus] id ${ids[0]} makes too long a URL`)
    const parts = [ids.slice(0, half), ids.slice(half)]
    return (
      await Promise.all(parts.map((p) => whereIn(collection, field, p, fields, signal)))
    ).flat()
  }

  return {
    async readItem(collection, id, fields, signal) {
      const query = new URLSearchParams({ fields: fields.join(',') })
      const answer = await call(`/items/${seg(collection)}/${seg(id)}?${query}`, {}, signal, [403])
      return answer.status === 403 ? undefined : dataOf<DirectusItem>(answer.body)
    },
    readItemsWhereIn: (collection, field, ids, fields, signal) =>
      ids.length === 0 ? Promise.resolve([]) : whereIn(collection, field, ids, fields, signal),
    async relations(signal) {
      const answer = await call('/relations', {}, signal, [403])
      if (answer.status === 403)
        throw new CmsError(
          `[freshet] [directus] GET /relations answered 403: the token's policy needs read on directus_relations (Settings → Access Policies → the token's policy → add directus_relations, read: All Access) to find the pages above a changed item`,
          403,
        )
      return dataOf<DirectusRelation[]>(answer.body)
    },
  }
}
