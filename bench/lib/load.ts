/**
 * HTTP load generators for the benches, over keep-alive connections, for a fixed duration.
 * `runLoad` is closed-loop (each connection sends its next request when the last is answered):
 * it finds the most a server takes, and its latencies are those of a queue kept full.
 * `runLoadAtRate` is open-loop: requests leave on a fixed schedule whatever the answers, and
 * latency counts from the scheduled moment (a request held back by a slow server counts its
 * wait), so it tells the latency a client sees at that rate.
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

export interface RateOptions extends LoadOptions {
  /** Requests per second offered, whatever the server answers. */
  rate: number
}

export interface RateResult extends LoadResult {
  offeredPerSecond: number
  /** How late the generator itself sent requests, p99 (its own lag, counted in the latency). */
  sendLagP99Ms: number
}

function summarise(latencies: number[], elapsedMs: number, unexpected: Record<number, number>) {
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    unexpected,
  }
}

export async function runLoadAtRate(options: RateOptions, expectStatus = 202): Promise<RateResult> {
  // Enough connections that the client never queues at the offered rate unless the server does.
  const pool = new Pool(options.origin, {
    connections: options.connections ?? 256,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  })
  const warmupMs = options.warmupMs ?? 1000
  const durationMs = options.durationMs ?? 5000
  const intervalMs = 1000 / options.rate
  const latencies: number[] = []
  const sendLags: number[] = []
  const unexpected: Record<number, number> = {}
  const inFlight = new Set<Promise<void>>()
  const started = performance.now()
  const measureFrom = started + warmupMs
  const measureTo = measureFrom + durationMs
  let sent = 0

  const record = (status: number, scheduledAt: number) => {
    if (scheduledAt < measureFrom || scheduledAt >= measureTo) return
    if (status === expectStatus) latencies.push(performance.now() - scheduledAt)
    else unexpected[status] = (unexpected[status] ?? 0) + 1
  }

  // `dispatch` with a bare handler, not `request`: no body stream per answer, so the generator
  // takes less of the CPU it shares with the server (in separate runs at 5,000/s: 0.48 of a
  // core with `request`, 0.31–0.42 with this).
  function send(i: number, scheduledAt: number) {
    if (scheduledAt >= measureFrom) sendLags.push(performance.now() - scheduledAt)
    const done = new Promise<void>((resolve) => {
      let status = 0
      pool.dispatch(
        { method: 'POST', path: options.path, headers: options.headers, body: options.body(i) },
        {
          onRequestStart() {},
          onResponseStart(_controller, statusCode) {
            status = statusCode
          },
          onResponseData() {},
          onResponseEnd() {
            record(status, scheduledAt)
            resolve()
          },
          onResponseError() {
            record(0, scheduledAt)
            resolve()
          },
        },
      )
    }).finally(() => inFlight.delete(done))
    inFlight.add(done)
  }

  // Each tick sends what the schedule says is due by now (timers fire late under load; the
  // latency of a request sent late still counts from its scheduled moment).
  while (performance.now() < measureTo) {
    const due = Math.min(
      Math.floor((performance.now() - started) / intervalMs),
      (measureTo - started) / intervalMs,
    )
    for (; sent < due; sent++) send(sent, started + sent * intervalMs)
    await new Promise((r) => setTimeout(r, 1))
  }
  await Promise.all(inFlight)
  await pool.close()
  sendLags.sort((a, b) => a - b)
  return {
    ...summarise(latencies, durationMs, unexpected),
    offeredPerSecond: options.rate,
    sendLagP99Ms: percentile(sendLags, 99),
  }
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
  return summarise(latencies, elapsed, unexpected)
}
