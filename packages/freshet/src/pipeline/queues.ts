import type { PgBoss, Queue } from 'pg-boss'

export const QUEUES = {
  plan: 'freshet-plan',
  pods: 'freshet-pods',
  cdn: 'freshet-cdn',
  track: 'freshet-track',
  failed: 'freshet-failed',
} as const

export type StageQueue = Exclude<keyof typeof QUEUES, 'failed'>

export interface StageJob {
  batchId: string
  /** Track polls: how many came before. */
  poll?: number
}

/** How many times a stage runs before its batch fails (configurable where users need it). */
export interface StageAttempts {
  planning: number
  pods: number
}

/** Each stage's queue: retries with backoff, then the dead-letter queue fails the batch. */
export async function createQueues(boss: PgBoss, attempts: StageAttempts) {
  const common: Omit<Queue, 'name'> = {
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 60,
    heartbeatSeconds: 10,
    expireInSeconds: 1800,
    deadLetter: QUEUES.failed,
  }
  await boss.createQueue(QUEUES.failed, {
    retryLimit: 10,
    retryDelay: 1,
    retryBackoff: true,
  })
  await boss.createQueue(QUEUES.plan, { ...common, retryLimit: Math.max(0, attempts.planning - 1) })
  await boss.createQueue(QUEUES.pods, {
    ...common,
    retryLimit: Math.max(0, attempts.pods - 1),
    retryDelay: 2,
  })
  await boss.createQueue(QUEUES.cdn, { ...common, retryLimit: 10 })
  await boss.createQueue(QUEUES.track, { ...common, retryLimit: 10 })
}
