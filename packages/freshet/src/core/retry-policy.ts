/**
 * How the pipeline's durable jobs are retried, in one place (pg-boss queue options, pure data):
 * a failed job runs again after `retryDelay` seconds, doubling each time up to `retryDelayMax`,
 * `retryLimit` times; then its queue's dead letter fails the batch, saying why.
 * `pipeline/stages.ts` gives each stage its row here.
 */

/** The retry part of a pg-boss queue's options. */
export interface QueueRetry {
  retryLimit: number
  retryDelay: number
  retryBackoff: boolean
  retryDelayMax?: number
}

/** How many times a stage runs before its batch fails (configurable where users need it). */
export interface StageAttempts {
  planning: number
  pods: number
}

/** Exponential from `delaySeconds`, at most a minute apart. */
const doubling = (retryLimit: number, delaySeconds = 1): QueueRetry => ({
  retryLimit: Math.max(0, retryLimit),
  retryDelay: delaySeconds,
  retryBackoff: true,
  retryDelayMax: 60,
})

/**
 * Per stage. Planning and pods wait on things users run (the CMS, the site), so their attempts
 * are configuration (`planner.stageAttempts`, `pods.stageAttempts`); the CDN stages retry the AWS
 * API's throttling and 5xx ten times.
 */
export const STAGE_RETRY = {
  planning: (attempts: StageAttempts) => doubling(attempts.planning - 1),
  pods: (attempts: StageAttempts) => doubling(attempts.pods - 1, 2),
  cdn: () => doubling(10),
  tracking: () => doubling(10),
} as const

/**
 * A stage's job is alive while its worker heartbeats; one that stops (a SIGKILLed replica) is
 * retried elsewhere after `heartbeatSeconds`, and none runs longer than `expireInSeconds`.
 */
export const STAGE_JOB = { heartbeatSeconds: 10, expireInSeconds: 1800 } as const

/** The dead letter's own job (failing the batch, one UPDATE) retried if the store is away. */
export const DEAD_LETTER_RETRY: QueueRetry = { retryLimit: 10, retryDelay: 1, retryBackoff: true }

/** Catching up a pod that appeared (pipeline/catch-up.ts); after the last, the pod is failed. */
export const CATCH_UP_RETRY: QueueRetry = doubling(8)
