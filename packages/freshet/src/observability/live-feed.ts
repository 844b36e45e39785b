import { randomUUID } from 'node:crypto'
import type { Lifecycle, LifecycleEvents } from '../pipeline/lifecycle.ts'
import type { Db, Listening } from '../store/db.ts'
import { LIVE_PAYLOAD_BYTES, liveChannel, notifyLive } from '../store/live.ts'
import { retryingNow } from './retrying-now.ts'

/** What the page follows live: each names its batch (or event), so the page reloads only that. */
export const LIVE = [
  'event:received',
  'batch:created',
  'stage:started',
  'stage:ended',
  'stage:skipped',
  'stage:retrying',
  'pod:retrying',
  'pod:delivered',
  'cdn:retrying',
  'cdn:created',
  'cdn:completed',
  'batch:completed',
  'batch:failed',
] as const satisfies readonly (keyof LifecycleEvents)[]

export type LiveName = (typeof LIVE)[number]

/** A pipeline event, or `gap`: some were missed, so whoever shows them should read afresh. */
export type LiveMessage = { event: LiveName; data: unknown } | { event: 'gap' }

export interface LiveFeed {
  subscribe(listener: (message: LiveMessage) => void): () => void
  /** The pods and CDN chunks being retried right now, on any replica (`pod:retrying`, `cdn:retrying`). */
  retrying(): LiveMessage[]
  close(): Promise<void>
}

interface Envelope {
  origin: string
  gap?: boolean
  messages: { event: LiveName; data: unknown }[]
}

export interface LiveFeedOptions {
  /** How often what happened here is sent to the other replicas, in one NOTIFY or a few. */
  flushMs?: number
  /** More than this waiting (a burst of webhooks): the others are told to read afresh instead. */
  maxQueued?: number
}

const MAX_TEXT = 1000

/** Long texts (a pod's error page) are cut: a NOTIFY holds under 8000 bytes. */
function trimmed(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      typeof value === 'string' && value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value,
    ]),
  )
}

/**
 * The pipeline's progress for the page's Server-Sent Events, from every replica: what this one
 * does is told at once to its own pages and, on PostgreSQL, to the other replicas through
 * NOTIFY on the store's channel, so a page connected to one replica sees the retries another is
 * making. The embedded store is one process: only its own events.
 */
export async function startLiveFeed(
  lifecycle: Lifecycle,
  db: Db,
  options: LiveFeedOptions = {},
): Promise<LiveFeed> {
  const listeners = new Set<(message: LiveMessage) => void>()
  const retries = retryingNow()
  const deliver = (message: LiveMessage) => {
    retries.note(message)
    for (const listener of listeners) listener(message)
  }
  const shared = db.listen ? await shareAcrossReplicas(db, deliver, options) : undefined
  const offs = LIVE.map((event) => {
    const listener = (data: unknown) => {
      deliver({ event, data })
      shared?.queue({ event, data: trimmed(data) })
    }
    lifecycle.on(event, listener as never)
    return () => lifecycle.off(event, listener as never)
  })
  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    retrying: () => retries.current(),
    async close() {
      for (const off of offs) off()
      await shared?.close()
    },
  }
}

async function shareAcrossReplicas(
  db: Db,
  deliver: (message: LiveMessage) => void,
  { flushMs = 100, maxQueued = 5000 }: LiveFeedOptions,
) {
  const origin = randomUUID()
  const channel = await liveChannel(db)
  let queued: string[] = []
  // Set when messages were dropped (too many, or a NOTIFY failed): the next envelope says so.
  let gap = false
  let flushing: Promise<void> | undefined

  const listening: Listening | undefined = await db.listen?.(channel, {
    onPayload(payload) {
      const envelope = parse(payload)
      if (!envelope || envelope.origin === origin) return
      if (envelope.gap) deliver({ event: 'gap' })
      for (const message of envelope.messages) deliver(message)
    },
    onGap: () => deliver({ event: 'gap' }),
  })

  const send = async () => {
    const batch = queued
    queued = []
    const told = envelopes(origin, batch, gap)
    gap = false
    for (const payload of told) {
      await notifyLive(db, channel, payload).catch(() => {
        gap = true
      })
    }
  }
  const flush = () => {
    if (flushing || (queued.length === 0 && !gap)) return flushing
    flushing = send().finally(() => {
      flushing = undefined
    })
    return flushing
  }
  const timer = setInterval(() => void flush(), flushMs)
  timer.unref()

  return {
    queue(message: { event: LiveName; data: unknown }) {
      if (queued.length >= maxQueued) {
        queued = []
        gap = true
        return
      }
      queued.push(JSON.stringify(message))
    },
    async close() {
      clearInterval(timer)
      await flushing
      await flush()
      await listening?.close()
    },
  }
}

/** Messages packed into as few payloads as fit, each under PostgreSQL's limit. */
function* envelopes(origin: string, messages: string[], gap: boolean) {
  const head = (withGap: boolean) =>
    `{"origin":"${origin}"${withGap ? ',"gap":true' : ''},"messages":[`
  let body: string[] = []
  let bytes = head(gap).length + 2
  let first = gap
  for (const message of messages) {
    const size = Buffer.byteLength(message) + 1
    if (body.length > 0 && bytes + size > LIVE_PAYLOAD_BYTES) {
      yield `${head(first)}${body.join(',')}]}`
      first = false
      body = []
      bytes = head(false).length + 2
    }
    // One message too big even alone (cannot happen with trimmed texts): skipped, said as a gap.
    if (bytes + size > LIVE_PAYLOAD_BYTES) {
      first = true
      continue
    }
    body.push(message)
    bytes += size
  }
  if (body.length > 0 || first) yield `${head(first)}${body.join(',')}]}`
}

function parse(payload: string): Envelope | undefined {
  try {
    const envelope = JSON.parse(payload) as Envelope
    return typeof envelope.origin === 'string' && Array.isArray(envelope.messages)
      ? envelope
      : undefined
  } catch {
    return undefined
  }
}
