/**
 * Read-after-publish for Contentful: which changes of a batch the Delivery API does not serve
 * yet. A publish waits for `sys.revision` ≥ the webhook's; an unpublish, archive or delete waits
 * for the entry to be gone (404). Contentful's FAQ: its CDN is purged on publish, but throttled
 * when a space publishes often, so a reader right after the webhook can get the old entry.
 */
import type { ItemChange } from '../../core/domain.ts'
import type { ContentfulApi } from './api.ts'

/** What the Delivery API must serve of one item before the pods re-render. */
export interface Expectation {
  kind: 'entry' | 'asset'
  id: string
  /** A revision at least this one; `gone`: not served at all. */
  want: number | 'gone'
}

const GONE: ReadonlySet<string> = new Set(['unpublish', 'delete', 'archive'])

/** The last Contentful change of each item decides what to wait for; others wait for nothing. */
export function expectationsOf(changes: readonly ItemChange[]): Expectation[] {
  const last = new Map<string, Expectation>()
  for (const c of changes) {
    if (c.source !== 'contentful') continue
    const kind = c.collection === 'Asset' ? 'asset' : 'entry'
    const key = `${kind}:${c.id}`
    if (GONE.has(c.action)) last.set(key, { kind, id: c.id, want: 'gone' })
    else if (c.action === 'publish' && c.revision !== undefined)
      last.set(key, { kind, id: c.id, want: c.revision })
    else last.delete(key)
  }
  return [...last.values()]
}

export const describeExpectation = (e: Expectation) =>
  `${e.kind === 'asset' ? 'Asset' : 'entry'} ${e.id} ${e.want === 'gone' ? 'gone (404)' : `at revision ${e.want}`}`

/** The expectations the Delivery API does not meet yet, with what it serves instead. */
export async function unserved(
  api: ContentfulApi,
  expected: readonly Expectation[],
  signal?: AbortSignal,
): Promise<{ expectation: Expectation; served: number | undefined }[]> {
  const missing: { expectation: Expectation; served: number | undefined }[] = []
  for (const kind of ['entry', 'asset'] as const) {
    const mine = expected.filter((e) => e.kind === kind)
    if (mine.length === 0) continue
    const served = await api.revisions(
      kind,
      mine.map((e) => e.id),
      signal,
    )
    for (const e of mine) {
      const now = served.get(e.id)
      const met = e.want === 'gone' ? now === undefined : now !== undefined && now >= e.want
      if (!met) missing.push({ expectation: e, served: now })
    }
  }
  return missing
}
