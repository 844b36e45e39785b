/**
 * The emulated API server's storage: EndpointSlices, one resourceVersion counter shared by all
 * objects (as etcd's revision is), and a bounded history of changes that watches replay from.
 * A watch asking for a resourceVersion older than the history gets `410 Gone`.
 */
import type { LabelMatcher } from './kubernetes-selector.ts'
import type { EndpointSlice } from './kubernetes-slices.ts'

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoredChange {
  type: ChangeType
  object: EndpointSlice
  /** For MODIFIED: the object before, so a label-selected watch can turn it into ADDED/DELETED. */
  previous?: EndpointSlice
  resourceVersion: number
}

export interface SliceStore {
  resourceVersion(): number
  list(namespace: string, matches: LabelMatcher): EndpointSlice[]
  get(namespace: string, name: string): EndpointSlice | undefined
  /** Creates or replaces; returns the stored copy with its new resourceVersion. */
  apply(slice: EndpointSlice): EndpointSlice
  remove(namespace: string, name: string): EndpointSlice | undefined
  /** Changes after `resourceVersion`, or `'expired'` when history no longer reaches back. */
  since(resourceVersion: number): StoredChange[] | 'expired'
  /** Forgets all history: every watch from an earlier resourceVersion now gets 410. */
  compact(): void
  subscribe(listener: (change: StoredChange) => void): () => void
}

export function createSliceStore(options: { historyLimit?: number } = {}): SliceStore {
  const historyLimit = options.historyLimit ?? 1000
  const objects = new Map<string, EndpointSlice>()
  const listeners = new Set<(change: StoredChange) => void>()
  let history: StoredChange[] = []
  let revision = 100
  // The oldest resourceVersion a watch may start from.
  let oldest = revision

  const key = (namespace: string, name: string) => `${namespace}/${name}`

  function record(change: StoredChange) {
    history.push(change)
    if (history.length > historyLimit) {
      history = history.slice(-historyLimit)
      oldest = (history[0]?.resourceVersion ?? revision) - 1
    }
    for (const listener of [...listeners]) listener(change)
  }

  return {
    resourceVersion: () => revision,
    list: (namespace, matches) =>
      [...objects.values()]
        .filter((slice) => slice.metadata.namespace === namespace && matches(slice.metadata.labels))
        .map((slice) => structuredClone(slice)),
    get: (namespace, name) => objects.get(key(namespace, name)),
    apply(slice) {
      revision += 1
      const id = key(slice.metadata.namespace, slice.metadata.name)
      const previous = objects.get(id)
      const stored = structuredClone(slice)
      stored.metadata.resourceVersion = String(revision)
      stored.metadata.uid = previous?.metadata.uid ?? crypto.randomUUID()
      stored.metadata.generation = (previous?.metadata.generation ?? 0) + 1
      objects.set(id, stored)
      const type = previous ? 'MODIFIED' : 'ADDED'
      record({ type, object: stored, resourceVersion: revision, ...(previous ? { previous } : {}) })
      return structuredClone(stored)
    },
    remove(namespace, name) {
      const previous = objects.get(key(namespace, name))
      if (!previous) return undefined
      revision += 1
      objects.delete(key(namespace, name))
      const object = structuredClone(previous)
      object.metadata.resourceVersion = String(revision)
      record({ type: 'DELETED', object, resourceVersion: revision })
      return object
    },
    since(resourceVersion) {
      if (resourceVersion < oldest) return 'expired'
      return history.filter((change) => change.resourceVersion > resourceVersion)
    },
    compact() {
      history = []
      oldest = revision
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/**
 * What a watch in `namespace` with a label selector sees of a change: a slice whose labels stop
 * matching is DELETED for that watch, one that starts matching is ADDED (as the API server does).
 */
export function changeSeenBy(
  change: StoredChange,
  namespace: string,
  matches: LabelMatcher,
): { type: ChangeType; object: EndpointSlice } | undefined {
  if (change.object.metadata.namespace !== namespace) return undefined
  const now = matches(change.object.metadata.labels)
  if (change.type !== 'MODIFIED') return now ? change : undefined
  const before = change.previous ? matches(change.previous.metadata.labels) : false
  if (before && now) return { type: 'MODIFIED', object: change.object }
  if (now) return { type: 'ADDED', object: change.object }
  if (before) return { type: 'DELETED', object: change.object }
  return undefined
}
