/**
 * A closed-loop HTTP load generator for the benches: `connections` keep-alive connections, each
 * with one request in flight at a time, for a fixed duration. Latency is measured per request
 * from send to the end of the response body.
 */
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'

export interface LoadOptions {
  origin: string
  path: string
  headers: Record<string, string>
  /** The body of the i-th request. */
  body: (i: number) => string
  connections?: number
  warmupMs?: number
  durationMs?: number
}

export interface LoadResult {
  requests: number
  perSecond: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Answers that were not the expected status, by status (0: network error). */
  unexpected: Record<number, number>
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)] ?? Number.NaN
}

export async function runLoad(options: LoadOptions, expectStatus = 202): Promise<LoadResult> {
  const connections = options.connections ?? 64
  const pool = new Pool(options.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 })
  const latencies: number[] = []
  const unexpected: Record<number, number> = {}
  let sent = 0
  let measuring = false
  let stopping = false

  async function one() {
    const i = sent++
    const started = performance.now()
    let status = 0
    try {
      const response = await pool.request({
        method: 'POST',
        path: options.path,
        headers: options.headers,
        body: options.body(i),
      })
      status = response.statusCode
      await response.body.text()
    } catch {
      status = 0
    }
    if (!measuring) return
    if (status === expectStatus) latencies.push(performance.now() - started)
    else unexpected[status] = (unexpected[status] ?? 0) + 1
  }

  async function loop() {
    while (!stopping) await one()
  }

  const loops = Array.from({ length: connections }, loop)
  await new Promise((r) => setTimeout(r, options.warmupMs ?? 1000))
  measuring = true
  const started = performance.now()
  await new Promise((r) => setTimeout(r, options.durationMs ?? 5000))
  const elapsed = performance.now() - started
  measuring = false
  stopping = true
  await Promise.all(loops)
  await pool.close()
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    perSecond: latencies.length / (elapsed / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    unexpected,
  }
}
