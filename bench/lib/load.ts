/**
 * HTTP load generators for the benches, over keep-alive connections, for a fixed duration.
 * `runLoad` is closed-loop (each connection sends its next request when the last is answered):
 * it finds the most a server takes, and its latencies are those of a queue kept full.
 * `runLoadAtRate` is open-loop: requests leave on a fixed schedule whatever the answers, and
 * latency counts from the scheduled moment (a request held back by a slow server counts its
 * wait), so it tells the latency a client sees at that rate.
 */
import { performance } from 'node:perf_hooks'
import { openConnections, postRequest } from './raw-http.ts'

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
  const connections = openConnections(options.origin, options.connections ?? 256)
  const warmupMs = options.warmupMs ?? 1000
  const durationMs = options.durationMs ?? 5000
  const intervalMs = 1000 / options.rate
  const latencies: number[] = []
  const sendLags: number[] = []
  const unexpected: Record<number, number> = {}
  // Due while every connection was busy: sent as one frees, latency still from the schedule.
  const waiting: { i: number; scheduledAt: number }[] = []
  let outstanding = 0
  let allAnswered: (() => void) | undefined
  const started = performance.now()
  const measureFrom = started + warmupMs
  const measureTo = measureFrom + durationMs
  let sent = 0

  const record = (status: number, scheduledAt: number) => {
    if (scheduledAt < measureFrom || scheduledAt >= measureTo) return
    if (status === expectStatus) latencies.push(performance.now() - scheduledAt)
    else unexpected[status] = (unexpected[status] ?? 0) + 1
  }

  function send(i: number, scheduledAt: number) {
    const request = postRequest(options.origin, options.path, options.headers, options.body(i))
    const sentNow = connections.send(request, (status) => {
      record(status, scheduledAt)
      outstanding--
      const next = waiting.shift()
      if (next) send(next.i, next.scheduledAt)
      else if (outstanding === 0) allAnswered?.()
    })
    if (!sentNow) {
      waiting.push({ i, scheduledAt })
      return
    }
    outstanding++
    if (scheduledAt >= measureFrom) sendLags.push(performance.now() - scheduledAt)
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
  if (outstanding > 0 || waiting.length > 0) {
    await new Promise<void>((resolve) => {
      allAnswered = resolve
    })
  }
  connections.close()
  sendLags.sort((a, b) => a - b)
  return {
    ...summarise(latencies, durationMs, unexpected),
    offeredPerSecond: options.rate,
    sendLagP99Ms: percentile(sendLags, 99),
  }
}

export async function runLoad(options: LoadOptions, expectStatus = 202): Promise<LoadResult> {
  const connections = openConnections(options.origin, options.connections ?? 64)
  const latencies: number[] = []
  const unexpected: Record<number, number> = {}
  let sent = 0
  let measuring = false
  let stopping = false
  let outstanding = 0
  let allAnswered: (() => void) | undefined

  // Each answer sends the connection's next request, until the run stops.
  function one() {
    const i = sent++
    const started = performance.now()
    outstanding++
    const sentNow = connections.send(
      postRequest(options.origin, options.path, options.headers, options.body(i)),
      (status) => {
        outstanding--
        if (measuring) {
          if (status === expectStatus) latencies.push(performance.now() - started)
          else unexpected[status] = (unexpected[status] ?? 0) + 1
        }
        if (!stopping) one()
        else if (outstanding === 0) allAnswered?.()
      },
    )
    // One loop per connection, each sending only once its answer is in: one is always idle.
    if (!sentNow) throw new Error('[bench] closed loop found no idle connection')
  }

  for (let c = 0; c < (options.connections ?? 64); c++) one()
  await new Promise((r) => setTimeout(r, options.warmupMs ?? 1000))
  measuring = true
  const started = performance.now()
  await new Promise((r) => setTimeout(r, options.durationMs ?? 5000))
  const elapsed = performance.now() - started
  measuring = false
  stopping = true
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      allAnswered = resolve
    })
  }
  connections.close()
  return summarise(latencies, elapsed, unexpected)
}
