/**
 * Contentful parents: the entries that link directly to an item, climbing level by level to
 * entries whose content type has routes. `links_to_entry` (or `links_to_asset`) takes one id,
 * so a level of many items is asked instead through the content model: one
 * `fields.<field>.sys.id[in]=a,b,…` query per link field that can point at them (the Delivery
 * API's search on references), 100 ids each, whenever that costs fewer requests.
 *
 * Same answers as `links_to_*`, or `links_to_*` is used: that query cannot see links inside
 * Rich Text, and a field search matches one locale only, so a model with a Rich Text field or
 * a localized link field is walked one id at a time, as before.
 */
import pLimit from 'p-limit'
import {
  createWalk,
  type ItemRef,
  type ParentsResult,
  type WalkOptions,
} from '../../planner/parents.ts'
import {
  type ContentfulApi,
  type ContentfulContentType,
  type ContentfulEntry,
  IDS_PER_REQUEST,
} from './api.ts'

export interface ContentfulParentsOptions extends WalkOptions {
  api: ContentfulApi
  isRouted(contentType: string): boolean
  concurrency?: number
  /** false: always one `links_to_*` per id (the bench's and tests' baseline). */
  byField?: boolean
}

type Kind = 'entry' | 'asset'
/** A link field some content type has: where to search for links to a kind. */
interface LinkField {
  contentType: string
  field: string
}

/**
 * The fields through which entries can link to `kind`; undefined where the model has a link
 * that a field search would miss (Rich Text, or a localized link field).
 */
export function linkFields(model: ContentfulContentType[], kind: Kind): LinkField[] | undefined {
  const linkType = kind === 'asset' ? 'Asset' : 'Entry'
  const found: LinkField[] = []
  for (const type of model) {
    for (const f of type.fields) {
      if (f.type === 'RichText') return undefined
      const target =
        f.type === 'Link' ? f.linkType : f.items?.type === 'Link' ? f.items.linkType : undefined
      if (!target) continue
      if (f.localized) return undefined
      if (target === linkType) found.push({ contentType: type.sys.id, field: f.id })
    }
  }
  return found
}

/** Every link (id and type) inside a value: fields, arrays of links. */
function linkedIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) linkedIds(v, out)
  else if (value && typeof value === 'object') {
    const sys = (value as { sys?: { type?: string; linkType?: string; id?: string } }).sys
    if (sys?.type === 'Link' && sys.id) out.add(`${sys.linkType}:${sys.id}`)
    else for (const v of Object.values(value)) linkedIds(v, out)
  }
  return out
}

export async function findContentfulParents(
  start: ItemRef[],
  options: ContentfulParentsOptions,
): Promise<ParentsResult> {
  const walk = createWalk(start, options, options.isRouted)
  const limit = pLimit(options.concurrency ?? 8)
  let model: Promise<ContentfulContentType[]> | undefined
  const modelOnce = () => {
    model ??= options.api.contentTypes(options.signal)
    return model
  }
  let level = 0
  while (walk.frontier().size > 0 && level < options.depthLimit) {
    level++
    // In frontier order, as the one-id-at-a-time walk reached them: the same chains either way.
    const children = [...walk.frontier()].flatMap(([collection, ids]) =>
      [...ids].map(([id, chain]) => ({
        kind: (collection === 'Asset' ? 'asset' : 'entry') as Kind,
        id,
        chain,
      })),
    )
    const found = new Map<string, ContentfulEntry[]>()
    for (const kind of ['entry', 'asset'] as const) {
      const ids = children.filter((c) => c.kind === kind).map((c) => c.id)
      if (ids.length === 0) continue
      const parents = await parentsOf(kind, ids, options, limit, modelOnce)
      for (const [id, list] of parents) found.set(`${kind}:${id}`, list)
    }
    for (const child of children) {
      for (const entry of found.get(`${child.kind}:${child.id}`) ?? []) {
        const contentType = entry.sys.contentType?.sys.id
        if (contentType)
          walk.reach({ collection: contentType, id: entry.sys.id }, entry.fields, child.chain)
      }
    }
    walk.advance()
  }
  return walk.result(level, 'contentful')
}

/** Direct parents of each id: by link field when that is fewer requests, else one id each. */
async function parentsOf(
  kind: Kind,
  ids: string[],
  options: ContentfulParentsOptions,
  limit: ReturnType<typeof pLimit>,
  model: () => Promise<ContentfulContentType[]>,
): Promise<Map<string, ContentfulEntry[]>> {
  const worth = options.byField !== false && ids.length > 2
  const fields = worth ? linkFields(await model(), kind) : undefined
  const chunks = Math.ceil(ids.length / IDS_PER_REQUEST)
  if (fields && fields.length * chunks < ids.length)
    return byField(kind, ids, fields, options, limit)
  const lists = await Promise.all(
    ids.map((id) => limit(() => options.api.linking(kind, id, options.signal))),
  )
  return new Map(ids.map((id, i) => [id, lists[i] ?? []]))
}

async function byField(
  kind: Kind,
  ids: string[],
  fields: LinkField[],
  options: ContentfulParentsOptions,
  limit: ReturnType<typeof pLimit>,
): Promise<Map<string, ContentfulEntry[]>> {
  const tasks: Promise<ContentfulEntry[]>[] = []
  for (const { contentType, field } of fields)
    for (let at = 0; at < ids.length; at += IDS_PER_REQUEST) {
      const chunk = ids.slice(at, at + IDS_PER_REQUEST)
      tasks.push(limit(() => options.api.linkingVia(contentType, field, chunk, options.signal)))
    }
  // One entry found through several fields or chunks counts once, in the API's order.
  const entries = new Map<string, ContentfulEntry>()
  for (const list of await Promise.all(tasks)) for (const e of list) entries.set(e.sys.id, e)
  const linkType = kind === 'asset' ? 'Asset' : 'Entry'
  const byChild = new Map<string, ContentfulEntry[]>(ids.map((id) => [id, []]))
  for (const entry of entries.values()) {
    const links = linkedIds(entry.fields)
    for (const id of ids) if (links.has(`${linkType}:${id}`)) byChild.get(id)?.push(entry)
  }
  return byChild
}
