/**
 * One watch stream: newline-delimited JSON events over a chunked 200 response, as the API server
 * sends them. Replays history after the requested resourceVersion, then follows the store live.
 */
import type { Socket } from 'node:net'
import type { LabelMatcher } from './kubernetes-selector.ts'
import type { EndpointSlice } from './kubernetes-slices.ts'
import { changeSeenBy, type SliceStore } from './kubernetes-store.ts'

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

export interface WatchEvent {
  type: WatchEventType
  object: EndpointSlice | StatusObject | BookmarkObject
}

export interface StatusObject {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure'
  message: string
  reason: string
  code: number
}

interface BookmarkObject {
  kind: 'EndpointSlice'
  apiVersion: 'discovery.k8s.io/v1'
  metadata: { resourceVersion: string }
}

export interface WatchRequest {
  namespace: string
  matches: LabelMatcher
  /** `undefined`, `''` or `'0'`: start with ADDED events for the current objects. */
  resourceVersion: string | undefined
  bookmarks: boolean
  timeoutSeconds: number | undefined
  socket: Socket | undefined
}

/** An open watch, as the emulator's helpers see it. */
export interface OpenWatch {
  request: WatchRequest
  bookmark(): void
  /** Ends the response cleanly (as the server does when `timeoutSeconds` runs out). */
  end(): void
  /** Destroys the connection mid-stream (a crashed or restarted API server). */
  drop(): void
}

export const statusObject = (code: number, reason: string, message: string): StatusObject => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
})

export const expiredStatus = (resourceVersion: string) =>
  statusObject(410, 'Expired', `too old resource version: ${resourceVersion}`)

const encoder = new TextEncoder()

/** A stream of events for `request`; `track` learns of the open watch until it closes. */
export function watchStream(
  store: SliceStore,
  request: WatchRequest,
  track: (watch: OpenWatch) => () => void,
): ReadableStream<Uint8Array> {
  let cleanup = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: WatchEvent) => {
        controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`))
      }
      const replay = initialEvents(store, request)
      if (replay === 'expired') {
        send({ type: 'ERROR', object: expiredStatus(request.resourceVersion ?? '') })
        controller.close()
        return
      }
      for (const event of replay) send(event)
      const unsubscribe = store.subscribe((change) => {
        const seen = changeSeenBy(change, request.namespace, request.matches)
        if (seen) send(seen)
      })
      const timer = request.timeoutSeconds
        ? setTimeout(() => watch.end(), request.timeoutSeconds * 1000)
        : undefined
      let closed = false
      cleanup = () => {
        closed = true
        clearTimeout(timer)
        unsubscribe()
        untrack()
      }
      const watch: OpenWatch = {
        request,
        bookmark: () => {
          if (request.bookmarks) send({ type: 'BOOKMARK', object: bookmarkObject(store) })
        },
        end: () => {
          if (closed) return
          cleanup()
          controller.close()
        },
        drop: () => {
          if (closed) return
          cleanup()
          request.socket?.destroy()
        },
      }
      const untrack = track(watch)
    },
    cancel() {
      cleanup()
    },
  })
}

function initialEvents(store: SliceStore, request: WatchRequest): WatchEvent[] | 'expired' {
  const from = request.resourceVersion
  if (from === undefined || from === '' || from === '0') {
    return store
      .list(request.namespace, request.matches)
      .map((object) => ({ type: 'ADDED', object }))
  }
  const changes = store.since(Number(from))
  if (changes === 'expired') return 'expired'
  return changes.flatMap((change) => changeSeenBy(change, request.namespace, request.matches) ?? [])
}

function bookmarkObject(store: SliceStore): BookmarkObject {
  return {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: { resourceVersion: String(store.resourceVersion()) },
  }
}
