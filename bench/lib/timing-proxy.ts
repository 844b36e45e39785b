/**
 * A loopback HTTP proxy that records how long each request took upstream: the CDN's own time
 * as seen on the wire, for benches that subtract it from end-to-end figures.
 */
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'

export interface TimedCall {
  method: string
  path: string
  startedAt: number
  ms: number
}

export async function startTimingProxy(upstream: string) {
  const target = new URL(upstream)
  const calls: TimedCall[] = []
  const server = createServer((req, res) => {
    const startedAt = performance.now()
    const forward = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        answer.on('end', () => {
          const ms = performance.now() - startedAt
          calls.push({ method: req.method ?? '', path: req.url ?? '', startedAt, ms })
        })
      },
    )
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
