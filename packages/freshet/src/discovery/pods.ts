/**
 * Small pure helpers every discovery adapter shares: pod URLs, de-duplication, comparison, and
 * the listener set behind `watch`.
 */
import { isIPv6 } from 'node:net'
import type { Pod } from './types.ts'

/** `http://10.0.0.7:3000`, `http://[fd00::7]:3000`: IPv6 literals are bracketed in URLs. */
export function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}

export function podUrl(scheme: string, host: string, port: number): string {
  return `${scheme}://${hostPort(host, port)}`
}

/** Keeps the first pod of each id and of each URL, sorted by id: one call per process. */
export function uniquePods(pods: Iterable<Pod>): Pod[] {
  const ids = new Set<string>()
  const urls = new Set<string>()
  const unique: Pod[] = []
  for (const pod of pods) {
    if (ids.has(pod.id) || urls.has(pod.url)) continue
    ids.add(pod.id)
    urls.add(pod.url)
    unique.push(pod)
  }
  return unique.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Same pods with the same URLs (both lists as `uniquePods` returns them). */
export function samePods(a: readonly Pod[], b: readonly Pod[]): boolean {
  return a.length === b.length && a.every((pod, i) => pod.id === b[i]?.id && pod.url === b[i]?.url)
}

export type PodListener = (pods: Pod[]) => void

/**
 * The listeners of `watch`. Each gets the current pod set once known, then every change; a set
 * equal to the last one reported is not reported again.
 */
export interface PodListeners {
  add(listener: PodListener): () => void
  /** Records the current set and tells the listeners if it changed. */
  update(pods: Pod[]): void
  readonly size: number
  clear(): void
}

export function podListeners(onFirst?: () => void, onLast?: () => void): PodListeners {
  const listeners = new Set<PodListener>()
  let current: Pod[] | undefined
  return {
    add(listener) {
      listeners.add(listener)
      if (listeners.size === 1) onFirst?.()
      // Asynchronously, so watch() returns its unsubscribe before the first report.
      if (current) {
        const known = current
        queueMicrotask(() => listeners.has(listener) && listener([...known]))
      }
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return
        // Nobody follows changes any more: what we knew goes stale.
        current = undefined
        onLast?.()
      }
    },
    update(pods) {
      if (current && samePods(current, pods)) return
      current = pods
      for (const listener of [...listeners]) listener([...pods])
    },
    get size() {
      return listeners.size
    },
    clear() {
      listeners.clear()
      current = undefined
    },
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Doubling delay with full jitter (between half and all of the step), capped. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  const step = Math.min(maxMs, initialMs * 2 ** attempt)
  return Math.round(step / 2 + (Math.random() * step) / 2)
}
