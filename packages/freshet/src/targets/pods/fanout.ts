import pLimit from 'p-limit'
import pRetry from 'p-retry'
import type { DeliveryStatus, PodAnswer } from '../../core/domain.ts'
import type { Pod } from '../../discovery/types.ts'
import { liveAttempts } from '../attempts.ts'
import type { PodClient, RevalidateRequest } from '../types.ts'

export interface PodRetryPolicy {
  attempts: number
  initialDelayMs: number
  maxDelayMs: number
}

/**
 * Splits a request into parts of at most `size` items (paths first, then tags): a pod answers
 * one part within its timeout (Next.js re-renders 16–180 ms per path), and the pod protocol
 * takes at most 1,000 items per request.
 */
export function splitRequest(request: RevalidateRequest, size: number): RevalidateRequest[] {
  const items = [
    ...request.paths.map((p) => ['path', p] as const),
    ...request.tags.map((t) => ['tag', t] as const),
  ]
  const parts: RevalidateRequest[] = []
  for (let i = 0; i < items.length; i += size) {
    const slice = items.slice(i, i + size)
    parts.push({
      paths: slice.filter(([kind]) => kind === 'path').map(([, v]) => v),
      tags: slice.filter(([kind]) => kind === 'tag').map(([, v]) => v),
    })
  }
  return parts.length > 0 ? parts : [request]
}

export interface PodDelivery {
  pod: Pod
  status: Extract<DeliveryStatus, 'confirmed' | 'failed'>
  attempts: number
  ms: number
  /** When the first attempt began, and each attempt: the page draws them as a waterfall. */
  startedAt?: string | undefined
  log?: PodAttempt[] | undefined
  answer?: PodAnswer | undefined
  error?: string | undefined
}

/** One call to a pod: when, how long, and what went wrong. */
export interface PodAttempt {
  at: string
  ms: number
  ok: boolean
  error?: string | undefined
}

/** A pod's attempt failed and another follows (attempt `attempt` of at most `of`). */
export interface PodRetrying {
  pod: Pod
  attempt: number
  of: number
  error: string
  nextAt: string
  /** When the attempt failed: the page draws the wait from here to `nextAt`. */
  at: string
  /** The attempts so far (the latest few), drawn as bars while the pod is retried. */
  log: PodAttempt[]
}

/** A 2xx whose answer reports a path or tag failed is not a confirmation. */
export function answerProblem(answer: PodAnswer): string | undefined {
  const failed = [
    ...answer.paths.filter((r) => !r.ok).map((r) => `${r.path}${r.error ? ` (${r.error})` : ''}`),
    ...answer.tags.filter((r) => !r.ok).map((r) => `#${r.tag}${r.error ? ` (${r.error})` : ''}`),
  ]
  return failed.length > 0 ? `not re-rendered: ${failed.slice(0, 5).join(', ')}` : undefined
}

/** Revalidates one pod, part by part, each retried with exponential backoff and jitter. Never throws. */
export async function deliverToPod(
  client: PodClient,
  pod: Pod,
  request: RevalidateRequest,
  retry: PodRetryPolicy,
  signal: AbortSignal,
  partSize = 250,
  onRetry?: (retrying: PodRetrying) => void,
): Promise<PodDelivery> {
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const answer: PodAnswer = { paths: [], tags: [] }
  const log: PodAttempt[] = []
  let attempts = 0
  try {
    for (const part of splitRequest(request, partSize)) {
      const partAnswer = await pRetry(
        async () => {
          attempts++
          const at = new Date()
          const begun = performance.now()
          try {
            const got = await client.revalidate(pod, part, signal)
            const problem = answerProblem(got)
            if (problem) throw new Error(`[freshet] [pods] ${pod.id}: ${problem}`)
            log.push({ at: at.toISOString(), ms: Math.round(performance.now() - begun), ok: true })
            return got
          } catch (error) {
            const message = (error as Error).message
            log.push({
              at: at.toISOString(),
              ms: Math.round(performance.now() - begun),
              ok: false,
              error: message,
            })
            throw error
          }
        },
        {
          retries: retry.attempts - 1,
          minTimeout: retry.initialDelayMs,
          maxTimeout: retry.maxDelayMs,
          factor: 2,
          randomize: true,
          signal,
          onFailedAttempt: (context) => {
            if (context.retriesLeft > 0) {
              const at = Date.now()
              onRetry?.({
                pod,
                attempt: attempts,
                of: attempts + context.retriesLeft,
                error: context.error.message,
                nextAt: new Date(at + context.retryDelay).toISOString(),
                at: new Date(at).toISOString(),
                log: liveAttempts(log),
              })
            }
          },
        },
      )
      answer.paths.push(...partAnswer.paths)
      answer.tags.push(...partAnswer.tags)
      if (partAnswer.buildId) answer.buildId = partAnswer.buildId
    }
    const ms = performance.now() - started
    return { pod, status: 'confirmed', attempts, ms, startedAt, log, answer }
  } catch (error) {
    const message = (error as Error).message
    const ms = performance.now() - started
    return { pod, status: 'failed', attempts, ms, startedAt, log, error: message }
  }
}

/** Revalidates every pod in parallel (bounded), reporting each result as it lands. */
export async function deliverToPods(options: {
  client: PodClient
  pods: Pod[]
  request: RevalidateRequest
  retry: PodRetryPolicy
  concurrency: number
  signal: AbortSignal
  /** Items (paths + tags) per request to a pod. */
  partSize?: number
  onResult?: (delivery: PodDelivery) => void | Promise<void>
  /** An attempt failed and another follows: what the page shows while it happens. */
  onRetry?: (retrying: PodRetrying) => void
}): Promise<PodDelivery[]> {
  const limit = pLimit(options.concurrency)
  return Promise.all(
    options.pods.map((pod) =>
      limit(async () => {
        const delivery = await deliverToPod(
          options.client,
          pod,
          options.request,
          options.retry,
          options.signal,
          options.partSize,
          options.onRetry,
        )
        await options.onResult?.(delivery)
        return delivery
      }),
    ),
  )
}
