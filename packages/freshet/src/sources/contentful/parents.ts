/**
 * Contentful parents: `links_to_entry` (or `links_to_asset` for an asset) finds the entries that
 * link directly to an item; recurse to entries whose content type has routes. Contentful takes
 * one id per `links_to_entry`, so a level costs one request per item of that level.
 */
import pLimit from 'p-limit'
import {
  createWalk,
  type ItemRef,
  type ParentsResult,
  type WalkOptions,
} from '../../planner/parents.ts'
import type { ContentfulApi } from './api.ts'

export interface ContentfulParentsOptions extends WalkOptions {
  api: ContentfulApi
  isRouted(contentType: string): boolean
  concurrency?: number
}

export async function findContentfulParents(
  start: ItemRef[],
  options: ContentfulParentsOptions,
): Promise<ParentsResult> {
  const walk = createWalk(start, options, options.isRouted)
  const limit = pLimit(options.concurrency ?? 8)
  let level = 0
  while (walk.frontier().size > 0 && level < options.depthLimit) {
    level++
    const tasks = [...walk.frontier()].flatMap(([collection, ids]) =>
      [...ids].map(([id, chain]) =>
        limit(async () => {
          const kind = collection === 'Asset' ? 'asset' : 'entry'
          return { chain, found: await options.api.linking(kind, id, options.signal) }
        }),
      ),
    )
    for (const { chain, found } of await Promise.all(tasks)) {
      for (const entry of found) {
        const contentType = entry.sys.contentType?.sys.id
        if (contentType)
          walk.reach({ collection: contentType, id: entry.sys.id }, entry.fields, chain)
      }
    }
    walk.advance()
  }
  return walk.result(level, 'contentful')
}
