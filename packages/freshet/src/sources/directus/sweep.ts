import type { ItemChange } from '../../core/domain.ts'
import { parsePublishDate, publishDeliveryKey } from '../../core/schedule.ts'

/**
 * The scheduled-publish sweep for Directus: which items' publish date fell in (since, until]?
 * A Directus cron Flow that flips a status emits no event unless "Emit events" is on, so freshet
 * asks the REST API instead of relying on a webhook. Each item becomes a `publish` change with a
 * dedupe key, `publish:<collection>:<id>:<publishAt>` (`publishDeliveryKey`), so the store takes
 * it once however many overlapping sweeps, or the delayed purge of a webhook, find it.
 */

export interface SweepCollection {
  collection: string
  /** The publish-date field. */
  field: string
  /** Primary key field; `id` unless said. */
  idField?: string
}

export interface SweepOptions {
  baseUrl: string
  /** Static token of a Directus user who may read these collections. */
  token: string
  collections: readonly SweepCollection[]
  since: Date
  until: Date
  fetch: typeof globalThis.fetch
  pageSize?: number
  signal?: AbortSignal
}

/** A Directus REST error, `{errors: [{message, extensions: {code}}]}`, with where it came from. */
export class DirectusApiError extends Error {
  readonly status: number
  readonly code: string | undefined
  constructor(message: string, status: number, code: string | undefined, cause?: unknown) {
    super(message, { cause })
    this.name = 'DirectusApiError'
    this.status = status
    this.code = code
  }
}

/** Every item whose publish date is in (since, until], as `publish` changes. */
export async function sweepPublished(options: SweepOptions): Promise<ItemChange[]> {
  const changes: ItemChange[] = []
  for (const target of options.collections) {
    changes.push(...(await sweepCollection(options, target)))
  }
  return changes
}

async function sweepCollection(options: SweepOptions, target: SweepCollection) {
  const idField = target.idField ?? 'id'
  const limit = options.pageSize ?? 100
  const changes: ItemChange[] = []
  for (let page = 1; ; page++) {
    const rows = await fetchPage(options, target, idField, limit, page)
    for (const row of rows) {
      const change = toChange(target, idField, row)
      if (change) changes.push(change)
    }
    if (rows.length < limit) return changes
  }
}

function pageUrl(
  options: SweepOptions,
  target: SweepCollection,
  idField: string,
  limit: number,
  page: number,
) {
  const url = new URL(`items/${encodeURIComponent(target.collection)}`, withSlash(options.baseUrl))
  const q = url.searchParams
  q.set(`filter[${target.field}][_gt]`, options.since.toISOString())
  q.set(`filter[${target.field}][_lte]`, options.until.toISOString())
  q.set('fields', `${idField},${target.field}`)
  // A stable order, so paging neither skips nor repeats rows.
  q.set('sort', `${target.field},${idField}`)
  q.set('limit', String(limit))
  q.set('page', String(page))
  return url
}

async function fetchPage(
  options: SweepOptions,
  target: SweepCollection,
  idField: string,
  limit: number,
  page: number,
): Promise<Record<string, unknown>[]> {
  const url = pageUrl(options, target, idField, limit, page)
  const where = `[freshet] [directus] GET /items/${target.collection} (page ${page})`
  let response: Response
  try {
    response = await options.fetch(url, {
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      signal: options.signal,
    })
  } catch (cause) {
    throw new DirectusApiError(`${where}: ${(cause as Error).message}`, 0, undefined, cause)
  }
  const body = (await response.json().catch(() => undefined)) as DirectusAnswer | undefined
  if (!response.ok) throw apiError(where, response.status, body, target.collection)
  if (!body || !Array.isArray(body.data)) {
    throw new DirectusApiError(`${where}: answer has no "data" array`, response.status, undefined)
  }
  return body.data.filter(isRecord)
}

interface DirectusAnswer {
  data?: unknown
  errors?: { message?: string; extensions?: { code?: string } }[]
}

function apiError(
  where: string,
  status: number,
  body: DirectusAnswer | undefined,
  collection: string,
) {
  const first = body?.errors?.[0]
  const code = first?.extensions?.code
  const said = first?.message ?? 'no error message'
  // Directus answers 403 for a collection that does not exist as for one the token cannot read.
  const hint =
    code === 'FORBIDDEN'
      ? `; check that collection "${collection}" exists and the token's role may read it`
      : ''
  return new DirectusApiError(`${where}: ${status} ${code ?? ''} ${said}${hint}`, status, code)
}

function toChange(target: SweepCollection, idField: string, row: Record<string, unknown>) {
  const id = row[idField]
  const at = parsePublishDate(row[target.field])
  if ((typeof id !== 'string' && typeof id !== 'number') || !at) return undefined
  const publishAt = at.toISOString()
  return {
    kind: 'item',
    source: 'directus',
    collection: target.collection,
    id: String(id),
    action: 'publish',
    fields: { [target.field]: row[target.field] },
    provenance: {
      topic: 'sweep',
      publishAt,
      deliveryKey: publishDeliveryKey(target.collection, String(id), at),
    },
  } satisfies ItemChange
}

function withSlash(url: string) {
  return url.endsWith('/') ? url : `${url}/`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
