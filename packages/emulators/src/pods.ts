import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a test pod received. */
export interface PodCall {
  method: string
  authorization: string | undefined
  body: { paths?: string[]; tags?: string[] } | undefined
}

export interface TestPodOptions {
  token: string
  id?: string
  /** Answer time, like a pod re-rendering. */
  delayMs?: number
  buildTime?: string
}

/**
 * A small HTTP server speaking the pod protocol (the `@freshet/next` answers), for tests and
 * benches that need many pods quickly. The real Next.js fleet is in `next-fleet.ts`.
 */
export async function startTestPod(options: TestPodOptions) {
  const calls: PodCall[] = []
  let failuresLeft = 0
  let failStatus = 500
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString()
      const body = text ? (JSON.parse(text) as PodCall['body']) : undefined
      calls.push({ method: req.method ?? '', authorization: req.headers.authorization, body })
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(value))
      }
      setTimeout(() => {
        if (req.headers.authorization !== `Bearer ${options.token}`)
          return answer(401, { error: { code: 'unauthorized', message: 'bad token' } })
        if (failuresLeft > 0) {
          failuresLeft--
          return answer(failStatus, { error: { code: 'failing', message: 'injected failure' } })
        }
        if (req.method === 'GET')
          return answer(200, {
            buildId: 'test',
            buildTime: options.buildTime ?? new Date(0).toISOString(),
          })
        answer(200, {
          paths: (body?.paths ?? []).map((path) => ({ path, ok: true })),
          tags: (body?.tags ?? []).map((tag) => ({ tag, ok: true })),
          buildId: 'test',
        })
      }, options.delayMs ?? 0)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    id: options.id ?? `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    calls,
    /** The next `count` requests answer `status` (default: every request from now on). */
    fail(count = Number.POSITIVE_INFINITY, status = 500) {
      failuresLeft = count
      failStatus = status
    },
    heal() {
      failuresLeft = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export type TestPod = Awaited<ReturnType<typeof startTestPod>>
