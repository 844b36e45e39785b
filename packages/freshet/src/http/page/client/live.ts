/**
 * Follows `api/stream` (Server-Sent Events) with fetch, so the token travels in the
 * Authorization header: EventSource cannot send one, and a token never goes in the URL.
 * Reconnects with backoff; `onOpen` runs on each (re)connection, so nothing missed in between
 * stays missed.
 */
import { adminToken } from './api.ts'

export interface LiveMessage {
  event: string
  data: Record<string, unknown>
}

export interface LiveHandlers {
  onMessage(message: LiveMessage): void
  onOpen(): void
  onDown(reason: string): void
}

export function followLive(handlers: LiveHandlers) {
  let controller: AbortController | null = null
  let delay = 1000
  let stopped = false

  async function connect() {
    const token = adminToken.get()
    if (stopped || !token) return
    controller = new AbortController()
    try {
      const response = await fetch('api/stream', {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        cache: 'no-store',
        signal: controller.signal,
      })
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
      delay = 1000
      await read(response.body, handlers)
      handlers.onDown('the stream ended')
    } catch (error) {
      if (controller.signal.aborted) return
      handlers.onDown(String(error))
    }
    if (!stopped) setTimeout(() => void connect(), delay)
    delay = Math.min(delay * 2, 10_000)
  }

  return {
    start() {
      stopped = false
      void connect()
    },
    stop() {
      stopped = true
      controller?.abort()
    },
  }
}

/** Reads SSE frames (`event:` and `data:` lines, a blank line ends one). */
async function read(body: ReadableStream<Uint8Array>, handlers: LiveHandlers) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      dispatch(frame, handlers)
      end = buffer.indexOf('\n\n')
    }
  }
}

function dispatch(frame: string, handlers: LiveHandlers) {
  let event = 'message'
  const data: string[] = []
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim()
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
  }
  if (data.length === 0) return
  if (event === 'ready') {
    handlers.onOpen()
    return
  }
  try {
    handlers.onMessage({ event, data: JSON.parse(data.join('\n')) as Record<string, unknown> })
  } catch {
    // A frame that is not JSON is not ours to show.
  }
}
