/**
 * The admin API's Server-Sent Events (`GET /api/stream`) as a doorbell: `next()` resolves at the
 * next pipeline event after the last `clear()`. Frames are not parsed beyond that: they name
 * batches, and the follower looks at its event again whatever they say. If the stream cannot
 * be opened or breaks, `live()` turns false and the follower polls faster.
 */
import type { AdminClient } from './client.ts'

export function watchStream(client: AdminClient, signal: AbortSignal) {
  let rang = false
  let live = false
  let waiting: (() => void) | undefined
  const ring = () => {
    rang = true
    waiting?.()
    waiting = undefined
  }
  void (async () => {
    const response = await client.stream('/api/stream', signal)
    live = true
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      // A frame with an `event:` line (heartbeats are `:` comments) ends at a blank line.
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        if (/^event:/m.test(buffer.slice(0, end))) ring()
        buffer = buffer.slice(end + 2)
      }
    }
  })()
    .catch(() => {})
    .finally(() => {
      live = false
      ring()
    })
  return {
    live: () => live,
    clear: () => {
      rang = false
    },
    /** Resolves at the next frame (at once if one came since `clear()`). */
    next: () =>
      rang ? Promise.resolve('change') : new Promise<string>((r) => (waiting = () => r('change'))),
  }
}
