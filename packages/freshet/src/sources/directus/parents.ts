/**
 * Directus parents: from changed items, follow relations upward to items that have routes.
 * Read from `GET /relations`:
 * - many-to-one `P.field → C`: P embeds C; parents are `P?filter[field][_in]=ids`;
 * - one-to-many alias (`meta.one_field` on P over `C.field → P`): P lists C; the parent is the
 *   child's `field`, read with `C?filter[id][_in]=ids&fields=field.id,…`;
 * - many-to-many through junction J (`meta.junction_field`): P embeds C where P has the alias;
 *   parents are `J?filter[child_field][_in]=ids&fields=parent_field.id,…`.
 * - many-to-any through junction J (`meta.one_allowed_collections`, the page-builder pattern):
 *   P embeds items of several collections; parents are
 *   `J?filter[item_field][_in]=ids&fields=collection_field,parent_field.id,…`, kept where the
 *   collection field names the child's collection.
 * One request per level and edge, whatever the number of ids (`_in` batches them).
 */
import pLimit from 'p-limit'
import {
  createWalk,
  type ItemRef,
  type ParentsResult,
  type WalkOptions,
} from '../../planner/parents.ts'
import type { DirectusApi, DirectusItem, DirectusRelation } from './api.ts'

export type DirectusEdge =
  | { kind: 'm2o'; parent: string; field: string }
  | { kind: 'o2m'; parent: string; field: string }
  | { kind: 'm2m'; parent: string; junction: string; childField: string; parentField: string }
  | {
      kind: 'm2a'
      parent: string
      junction: string
      itemField: string
      collectionField: string
      parentField: string
    }

/** Many-to-any: the junction's item field points into any allowed collection. */
function m2aEdges(r: DirectusRelation, relations: readonly DirectusRelation[]) {
  const allowed = r.meta?.one_allowed_collections ?? []
  const collectionField = r.meta?.one_collection_field
  const parentField = r.meta?.junction_field
  const partner = relations.find((p) => p.collection === r.collection && p.field === parentField)
  if (!collectionField || !parentField || !partner?.related_collection) return []
  const parent = partner.related_collection
  return allowed.map((child) => ({
    child,
    edge: {
      kind: 'm2a' as const,
      parent,
      junction: r.collection,
      itemField: r.field,
      collectionField,
      parentField,
    },
  }))
}

/** For each collection, the ways up to the collections that embed it. */
export function upwardEdges(relations: readonly DirectusRelation[]): Map<string, DirectusEdge[]> {
  const edges = new Map<string, DirectusEdge[]>()
  const push = (child: string, edge: DirectusEdge) =>
    edges.set(child, [...(edges.get(child) ?? []), edge])
  for (const r of relations) {
    if (!r.related_collection) {
      for (const { child, edge } of m2aEdges(r, relations)) push(child, edge)
      continue
    }
    const junctionField = r.meta?.junction_field
    if (junctionField) {
      const partner = relations.find(
        (p) => p.collection === r.collection && p.field === junctionField,
      )
      if (partner?.related_collection && partner.meta?.one_field) {
        push(r.related_collection, {
          kind: 'm2m',
          parent: partner.related_collection,
          junction: r.collection,
          childField: r.field,
          parentField: junctionField,
        })
      }
      continue
    }
    push(r.related_collection, { kind: 'm2o', parent: r.collection, field: r.field })
    if (r.meta?.one_field)
      push(r.collection, { kind: 'o2m', parent: r.related_collection, field: r.field })
  }
  return edges
}

export interface DirectusParentsOptions extends WalkOptions {
  api: DirectusApi
  relations: readonly DirectusRelation[]
  /** The fields a routed collection's rules need; undefined for a collection without routes. */
  fieldsFor(collection: string): string[] | undefined
  concurrency?: number
}

type Found = { parent: ItemRef; fields: DirectusItem; childId: string }

const idOf = (value: unknown) =>
  value === null || value === undefined || typeof value === 'object' ? undefined : String(value)

async function followEdge(
  edge: DirectusEdge,
  child: string,
  ids: string[],
  o: DirectusParentsOptions,
): Promise<Found[]> {
  const wanted = ['id', ...(o.fieldsFor(edge.parent) ?? [])]
  const nested = (prefix: string) => wanted.map((f) => `${prefix}.${f}`)
  if (edge.kind === 'm2o') {
    const rows = await o.api.readItemsWhereIn(
      edge.parent,
      edge.field,
      ids,
      [...wanted, edge.field],
      o.signal,
    )
    return rows.flatMap((row) => {
      const id = idOf(row.id)
      const childId = idOf(row[edge.field])
      return id && childId
        ? [{ parent: { collection: edge.parent, id }, fields: row, childId }]
        : []
    })
  }
  if (edge.kind === 'm2a') return followM2a(edge, child, ids, nested, o)
  const [collection, field, childField] =
    edge.kind === 'o2m'
      ? [child, 'id', edge.field]
      : [edge.junction, edge.childField, edge.parentField]
  const rows = await o.api.readItemsWhereIn(
    collection,
    field,
    ids,
    [field, ...nested(childField)],
    o.signal,
  )
  return rows.flatMap((row) => {
    const parent = row[childField] as DirectusItem | null | undefined
    const id = idOf(parent?.id)
    const childId = idOf(row[field])
    return parent && id && childId
      ? [{ parent: { collection: edge.parent, id }, fields: parent, childId }]
      : []
  })
}

async function followM2a(
  edge: Extract<DirectusEdge, { kind: 'm2a' }>,
  child: string,
  ids: string[],
  nested: (prefix: string) => string[],
  o: DirectusParentsOptions,
): Promise<Found[]> {
  const rows = await o.api.readItemsWhereIn(
    edge.junction,
    edge.itemField,
    ids,
    [edge.itemField, edge.collectionField, ...nested(edge.parentField)],
    o.signal,
  )
  return rows.flatMap((row) => {
    if (row[edge.collectionField] !== child) return []
    const parent = row[edge.parentField] as DirectusItem | null | undefined
    const id = idOf(parent?.id)
    const childId = idOf(row[edge.itemField])
    return parent && id && childId
      ? [{ parent: { collection: edge.parent, id }, fields: parent, childId }]
      : []
  })
}

export async function findDirectusParents(
  start: ItemRef[],
  options: DirectusParentsOptions,
): Promise<ParentsResult> {
  const edges = upwardEdges(options.relations)
  const walk = createWalk(start, options, (c) => options.fieldsFor(c) !== undefined)
  const limit = pLimit(options.concurrency ?? 4)
  let level = 0
  while (walk.frontier().size > 0 && level < options.depthLimit) {
    level++
    const tasks = [...walk.frontier()].flatMap(([child, ids]) =>
      (edges.get(child) ?? []).map((edge) =>
        limit(async () => ({
          ids,
          found: await followEdge(edge, child, [...ids.keys()], options),
        })),
      ),
    )
    for (const { ids, found } of await Promise.all(tasks)) {
      for (const f of found) walk.reach(f.parent, f.fields, ids.get(f.childId) ?? f.childId)
    }
    walk.advance()
  }
  return walk.result(level, 'directus')
}
