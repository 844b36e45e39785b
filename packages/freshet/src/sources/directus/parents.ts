/**
 * Directus parents: from changed items, follow relations upward to items that have routes.
 * Read from `GET /relations`:
 * - many-to-one `P.field → C`: P embeds C; parents are `P?filter[field][_in]=ids`;
 * - one-to-many alias (`meta.one_field` on P over `C.field → P`): P lists C; the parent is the
 *   child's `field`, read with `C?filter[id][_in]=ids&fields=field.id,…`;
 * - many-to-many through junction J (`meta.junction_field`): P embeds C where P has the alias;
 *   parents are `J?filter[child_field][_in]=ids&fields=parent_field.id,…`.
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

/** For each collection, the ways up to the collections that embed it. */
export function upwardEdges(relations: readonly DirectusRelation[]): Map<string, DirectusEdge[]> {
  const edges = new Map<string, DirectusEdge[]>()
  const push = (child: string, edge: DirectusEdge) =>
    edges.set(child, [...(edges.get(child) ?? []), edge])
  for (const r of relations) {
    if (!r.related_collection) continue // many-to-any: not followed
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
