/**
 * The benches' load generator's connections: HTTP/1.1 keep-alive over plain sockets, one request
 * at a time on each, answers read only as far as status and length. The generator shares two
 * cores with the server it measures: at 5,000/s in `bench/intake.ts` on 2026-11-29, undici's
 * pool took 0.38–0.54 of a core, this 0.23–0.30, which is left to the server measured.
 * Only for answers with a Content-Length, which every measured endpoint gives.
 */
import { connect, type Socket } from 'node:net'

export type Done = (status: number) => void

interface Connection {
  socket: Socket
  pending: Buffer
  done: Done | undefined
}

const HEADER_END = Buffer.from('\r\n\r\n')

/** The status and, once the whole answer is in, its length in bytes; undefined until then. */
function answerLength(data: Buffer): { status: number; length: number } | undefined {
  const end = data.indexOf(HEADER_END)
  if (end < 0) return undefined
  const head = data.toString('latin1', 0, end)
  const status = Number(head.slice(9, 12))
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (!match) throw new Error(`[bench] answer without Content-Length: ${head.split('\r\n')[0]}`)
  const length = end + HEADER_END.length + Number(match[1])
  return data.length >= length ? { status, length } : undefined
}

export function openConnections(origin: string, count: number) {
  const { hostname, port } = new URL(origin)
  const idle: Connection[] = []
  const all: Connection[] = []

  function open(): Connection {
    const connection: Connection = {
      socket: connect({ host: hostname, port: Number(port), noDelay: true }),
      pending: Buffer.alloc(0),
      done: undefined,
    }
    connection.socket.on('data', (chunk: Buffer) => {
      connection.pending =
        connection.pending.length === 0 ? chunk : Buffer.concat([connection.pending, chunk])
      const answer = answerLength(connection.pending)
      if (!answer) return
      connection.pending = connection.pending.subarray(answer.length)
      const done = connection.done
      connection.done = undefined
      idle.push(connection)
      done?.(answer.status)
    })
    connection.socket.on('error', () => {})
    connection.socket.on('close', () => {
      const done = connection.done
      connection.done = undefined
      const idleAt = idle.indexOf(connection)
      if (idleAt >= 0) idle.splice(idleAt, 1)
      // Closed by the server mid-run: a new connection takes its place (not after `close()`).
      const at = all.indexOf(connection)
      if (at >= 0) {
        const replacement = open()
        all[at] = replacement
        idle.push(replacement)
      }
      done?.(0)
    })
    return connection
  }

  for (let i = 0; i < count; i++) {
    const connection = open()
    all.push(connection)
    idle.push(connection)
  }

  return {
    /** Sends on an idle connection; false when every connection is busy. */
    send(request: string, done: Done): boolean {
      const connection = idle.pop()
      if (!connection) return false
      connection.done = done
      connection.socket.write(request)
      return true
    },
    close() {
      for (const connection of all) connection.socket.destroy()
      all.length = 0
    },
  }
}

/** The bytes of a POST with these headers and body. */
export function postRequest(
  origin: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
  return `POST ${path} HTTP/1.1\r\nhost: ${new URL(origin).host}\r\n${lines.join('')}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}
