import pLimit from 'p-limit'
import pRetry from 'p-retry'
import type { DeliveryStatus, PodAnswer } from '../core/domain.ts'
import type { Pod } from '../discovery/types.ts'
import type { PodClient, RevalidateRequest } from './types.ts'

export interface PodRetryPolicy {
  attempts: number
  initialDelayMs: number
  maxDelayMs: number
}

export interface PodDelivery {
  pod: Pod
  status: Extract<DeliveryStatus, 'confirmed' | 'failed'>
  attempts: number
  ms: number
  answer?: PodAnswer | undefined
  error?: string | undefined
}

/** A 2xx whose answer reports a path or tag failed is not a confirmation. */
export function answerProblem(answer: PodAnswer): string | undefined {
  const failed = [
    ...answer.paths.filter((r) => !r.ok).map((r) => `${r.path}${r.error ? ` (${r.error})` : ''}`),
    ...answer.tags.filter((r) => !r.ok).map((r) => `#${r.tag}${r.error ? ` (${r.error})` : ''}`),
  ]
  return failed.length > 0 ? `not re-rendered: ${failed.slice(0, 5).join(', ')}` : undefined
}

/** Revalidates one pod, retrying with exponential backoff and jitter. Never throws. */
export async function deliverToPod(
  client: PodClient,
  pod: Pod,
  request: RevalidateRequest,
  retry: PodRetryPolicy,
  signal: AbortSignal,
): Promise<PodDelivery> {
  const started = performance.now()
  let attempts = 0
  try {
    const answer = await pRetry(
      async () => {
        attempts++
        const answer = await client.revalidate(pod, request, signal)
        const problem = answerProblem(answer)
        if (problem) throw new Error(`[freshet] [pods] ${pod.id}: ${problem}`)
        return answer
      },
      {
        retries: retry.attempts - 1,
        minTimeout: retry.initialDelayMs,
        maxTimeout: retry.maxDelayMs,
        factor: 2,
        randomize: true,
        signal,
      },
    )
    return { pod, status: 'confirmed', attempts, ms: performance.now() - started, answer }
  } catch (error) {
    const message = (error as Error).message
    return { pod, status: 'failed', attempts, ms: performance.now() - started, error: message }
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
  onResult?: (delivery: PodDelivery) => void | Promise<void>
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
        )
        await options.onResult?.(delivery)
        return delivery
      }),
    ),
  )
}
