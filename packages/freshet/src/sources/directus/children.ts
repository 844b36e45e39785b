/**
 * What a routed item embeds directly, one level down the same relations the parents walk
 * climbs (`upwardEdges`, read the other way): recorded as child → parent edges with the item's
 * plan, so a component deleted without ever being edited still purges the pages it was on.
 * One request per relation (ids batched with `_in`), answered from the batch's memo when the
 * same junction serves several collections (many-to-any).
 */
import type { ItemRef } from '../../planner/parents.ts'
import type { DirectusApi, DirectusItem, DirectusRelation } from './api.ts'
import { type DirectusEdge, upwardEdges } from './parents.ts'

export interface ChildLink {
  parent: ItemRef
  child: ItemRef
}

const idOf = (value: unknown) =>
  value === null || value === undefined || typeof value === 'object' ? undefined : String(value)

/** The children of `ids` (all of collection `parent`) through one edge into `child`. */
async function down(
  api: DirectusApi,
  child: string,
  edge: DirectusEdge,
  ids: string[],
  signal?: AbortSignal,
): Promise<ChildLink[]> {
  const link = (parentId: unknown, childId: unknown): ChildLink[] => {
    const p = idOf(parentId)
    const c = idOf(childId)
    return p && c
      ? [{ parent: { collection: edge.parent, id: p }, child: { collection: child, id: c } }]
      : []
  }
  const rows = (collection: string, field: string, fields: string[]) =>
    api.readItemsWhereIn(collection, field, ids, fields, signal)
  if (edge.kind === 'm2o')
    return (await rows(edge.parent, 'id', ['id', edge.field])).flatMap((r: DirectusItem) =>
      link(r.id, r[edge.field]),
    )
  if (edge.kind === 'o2m')
    return (await rows(child, edge.field, ['id', edge.field])).flatMap((r) =>
      link(r[edge.field], r.id),
    )
  if (edge.kind === 'm2m')
    return (
      await rows(edge.junction, edge.parentField, [edge.parentField, edge.childField])
    ).flatMap((r) => link(r[edge.parentField], r[edge.childField]))
  const found = await rows(edge.junction, edge.parentField, [
    edge.parentField,
    edge.itemField,
    edge.collectionField,
  ])
  return found.flatMap((r) =>
    r[edge.collectionField] === child ? link(r[edge.parentField], r[edge.itemField]) : [],
  )
}

/** Direct children of these items, through every relation that embeds something in them. */
export async function findDirectusChildren(
  items: readonly ItemRef[],
  api: DirectusApi,
  relations: readonly DirectusRelation[],
  signal?: AbortSignal,
): Promise<ChildLink[]> {
  const byCollection = new Map<string, string[]>()
  for (const i of items)
    byCollection.set(i.collection, [...(byCollection.get(i.collection) ?? []), i.id])
  const tasks: Promise<ChildLink[]>[] = []
  for (const [child, edges] of upwardEdges(relations))
    for (const edge of edges) {
      const ids = byCollection.get(edge.parent)
      if (ids) tasks.push(down(api, child, edge, ids, signal))
    }
  return (await Promise.all(tasks)).flat()
}
