/**
 * The Contentful Delivery API's Sync API on the emulator, as the Synchronization reference
 * describes it:
 *
 * - `GET …/sync?initial=true[&type=…][&content_type=…][&limit=…]`: every published entry and
 *   asset (all locales, as `locale=*`), in pages of `limit` (default 100); each page answers
 *   `{ sys: { type: 'Array' }, items, nextPageUrl }` and the last one `nextSyncUrl`;
 * - `GET …/sync?sync_token=<token>`: from a page token, the next page; from a sync token, what
 *   changed since: `Entry`/`Asset` published or republished (a new `sys.revision`), and
 *   `DeletedEntry`/`DeletedAsset` (`sys.id`, `revision`, `deletedAt`, no fields, no content type)
 *   for what was unpublished, archived or deleted;
 * - a sync token with any other parameter, an unknown token, `limit` outside 1–1000 or
 *   `content_type` with a `type` other than `Entry`: 400 `BadRequest`. The token, the space and
 *   the environment are checked by the emulator's common middleware (401, 404).
 *
 * Tokens are opaque; each names what the client had seen when it was issued, so a delta is that
 * state compared with the space now.
 */
import type { Context, Hono } from 'hono'
import type { ContentfulEntity } from './contentful.ts'

export interface SyncGraph {
  entries: Map<string, ContentfulEntity>
  assets: Map<string, ContentfulEntity>
  unpublish(id: string): void
}

export interface SyncOptions {
  spaceId: string
  environment: string
}

type Kind = 'Entry' | 'Asset'
const TYPES = new Set(['all', 'Entry', 'Asset', 'Deletion', 'DeletedEntry', 'DeletedAsset'])

interface SyncState {
  /** `Entry:id` → the revision the client has. */
  seen: Map<string, number>
  type: string
  contentType: string | undefined
  limit: number
}

interface PageState {
  items: unknown[]
  after: SyncState
}

const badRequest = (c: Context, message: string) =>
  c.json({ sys: { type: 'Error', id: 'BadRequest' }, message, requestId: 'emulator' }, 400)

export function mountContentfulSync(app: Hono, graph: SyncGraph, options: SyncOptions) {
  const syncTokens = new Map<string, SyncState>()
  const pageTokens = new Map<string, PageState>()
  const deletedAt = new Map<string, { at: string; revision: number }>()
  let counter = 0
  const newToken = () => `${(++counter).toString(36)}${Math.random().toString(36).slice(2, 14)}`

  // Unpublish, archive and delete are kept with their time: a delta reports them as deletions.
  const unpublish = graph.unpublish
  graph.unpublish = (id: string) => {
    const was = graph.entries.get(id) ?? graph.assets.get(id)
    if (was) deletedAt.set(`${was.sys.type}:${id}`, { at: new Date().toISOString(), revision: 1 })
    unpublish(id)
  }

  const shown = (state: SyncState, kind: Kind, entity?: ContentfulEntity) => {
    const type = state.type
    if (type !== 'all' && type !== kind) return false
    const contentType = (entity?.sys.contentType as { sys: { id: string } } | undefined)?.sys.id
    return !state.contentType || state.contentType === contentType
  }
  const deletionShown = (state: SyncState, kind: Kind) =>
    ['all', 'Deletion', `Deleted${kind}`].includes(state.type)

  const deleted = (kind: Kind, id: string) => {
    const at = deletedAt.get(`${kind}:${id}`) ?? { at: new Date().toISOString(), revision: 1 }
    return {
      sys: {
        type: `Deleted${kind}`,
        id,
        space: { sys: { type: 'Link', linkType: 'Space', id: options.spaceId } },
        environment: { sys: { type: 'Link', linkType: 'Environment', id: options.environment } },
        revision: at.revision,
        createdAt: at.at,
        updatedAt: at.at,
        deletedAt: at.at,
      },
    }
  }

  /** What changed since `state`, and the state the client has once it read it all. */
  function delta(state: SyncState): PageState {
    const items: unknown[] = []
    const seen = new Map(state.seen)
    for (const [kind, store] of [
      ['Entry', graph.entries],
      ['Asset', graph.assets],
    ] as const) {
      for (const entity of store.values()) {
        const key = `${kind}:${entity.sys.id}`
        const revision = Number(entity.sys.revision)
        if (!shown(state, kind, entity) || seen.get(key) === revision) continue
        items.push(entity)
        seen.set(key, revision)
      }
      for (const key of state.seen.keys()) {
        const [k, id = ''] = key.split(/:(.*)/s)
        if (k !== kind || store.has(id)) continue
        seen.delete(key)
        if (deletionShown(state, kind)) items.push(deleted(kind, id))
      }
    }
    return { items, after: { ...state, seen } }
  }

  /** One page of `pending`; the rest under a page token, or the next sync token at the end. */
  function page(c: Context, pending: PageState) {
    const url = new URL(c.req.url)
    const link = (token: string) => `${url.origin}${url.pathname}?sync_token=${token}`
    const items = pending.items.slice(0, pending.after.limit)
    const rest = pending.items.slice(pending.after.limit)
    const body: Record<string, unknown> = { sys: { type: 'Array' }, items }
    if (rest.length > 0) {
      const token = newToken()
      pageTokens.set(token, { items: rest, after: pending.after })
      body.nextPageUrl = link(token)
    } else {
      const token = newToken()
      syncTokens.set(token, pending.after)
      body.nextSyncUrl = link(token)
    }
    return c.json(body)
  }

  const handler = (c: Context) => {
    const params = new URL(c.req.url).searchParams
    const token = params.get('sync_token')
    if (token !== null) {
      if ([...params.keys()].some((k) => k !== 'sync_token' && k !== 'access_token'))
        return badRequest(
          c,
          'When passing a sync token you can not pass any other parameters. If you want to sync with a specific limit, start a new sync with "initial".',
        )
      const pending = pageTokens.get(token)
      if (pending) return page(c, pending)
      const state = syncTokens.get(token)
      if (!state) return badRequest(c, 'The sync token is invalid or has expired.')
      return page(c, delta(state))
    }
    if (params.get('initial') !== 'true')
      return badRequest(c, 'Either initial=true or a sync_token is required.')
    const type = params.get('type') ?? 'all'
    const contentType = params.get('content_type') ?? undefined
    const limit = Number(params.get('limit') ?? 100)
    if (!TYPES.has(type)) return badRequest(c, `Unknown type "${type}".`)
    if (contentType && type !== 'Entry')
      return badRequest(c, 'content_type can only be used with type=Entry.')
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return badRequest(c, 'limit must be between 1 and 1000.')
    return page(c, delta({ seen: new Map(), type, contentType, limit }))
  }

  for (const prefix of ['/spaces/:space/environments/:env', '/spaces/:space'])
    app.get(`${prefix}/sync`, handler)

  return {
    /** For tests: forget every token, as an expired one is forgotten. */
    expireTokens() {
      syncTokens.clear()
      pageTokens.clear()
    },
  }
}
