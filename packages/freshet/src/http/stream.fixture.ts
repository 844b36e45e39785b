/** One Server-Sent Event of `/api/stream`, as the tests read them. */
export interface Frame {
  event: string
  data: Record<string, unknown>
}

/**
 * Reads an open `/api/stream` response in the background, keeping every frame as it comes
 * (heartbeat comments are no frames); wait on `frames` with `expect.poll`.
 */
export function framesOf(response: Response): Frame[] {
  const frames: Frame[] = []
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  void (async () => {
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n')
        buffer = buffer.slice(end + 2)
        const event = lines
          .find((l) => l.startsWith('event:'))
          ?.slice(6)
          .trim()
        const data = lines.find((l) => l.startsWith('data:'))?.slice(5)
        if (event && data) frames.push({ event, data: JSON.parse(data) })
      }
    }
  })().catch(() => {})
  return frames
}
