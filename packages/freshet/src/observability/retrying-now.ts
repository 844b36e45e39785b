import type { LiveMessage } from './live-feed.ts'

interface Entry {
  batchId: string
  nextAt: number
  message: LiveMessage
}

export interface RetryingNowOptions {
  /** A retry whose next try is this long past with no word since (its replica died) is dropped. */
  staleMs?: number
  /** At most this many kept (the oldest go first). */
  max?: number
}

const field = (data: unknown, key: string) => String((data as Record<string, unknown>)[key])

/** The key a retry and what settles it share: a pod, or a CDN chunk, of a batch. */
function keyOf(message: LiveMessage): string | undefined {
  if (message.event === 'gap') return undefined
  const { event, data } = message
  const batch = field(data, 'batchId')
  if (event === 'pod:retrying' || event === 'pod:delivered')
    return `${batch} pod ${field(data, 'podId')}`
  if (event === 'cdn:retrying' || event === 'cdn:created')
    return `${batch} cdn ${field(data, 'distributionId')} ${field(data, 'chunk')}`
  return undefined
}

/**
 * The pods and CDN chunks being retried right now, as the live feed carried them (from every
 * replica), so a page that opens in the middle of a retry is shown it at once instead of at the
 * next attempt. A retry ends when its pod answers, its chunk's invalidation is created, its
 * batch ends, or, with no word at all, `staleMs` after its next try.
 */
export function retryingNow({ staleMs = 60_000, max = 1000 }: RetryingNowOptions = {}) {
  const entries = new Map<string, Entry>()
  return {
    note(message: LiveMessage) {
      if (message.event === 'batch:completed' || message.event === 'batch:failed') {
        const batchId = field(message.data, 'batchId')
        for (const [key, entry] of entries) if (entry.batchId === batchId) entries.delete(key)
        return
      }
      const key = keyOf(message)
      if (key === undefined || message.event === 'gap') return
      entries.delete(key)
      if (message.event !== 'pod:retrying' && message.event !== 'cdn:retrying') return
      const nextAt = Date.parse(field(message.data, 'nextAt'))
      entries.set(key, { batchId: field(message.data, 'batchId'), nextAt, message })
      for (const oldest of entries.keys()) {
        if (entries.size <= max) break
        entries.delete(oldest)
      }
    },
    current(now = Date.now()): LiveMessage[] {
      for (const [key, entry] of entries) if (entry.nextAt + staleMs < now) entries.delete(key)
      return [...entries.values()].map((entry) => entry.message)
    },
  }
}
