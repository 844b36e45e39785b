import { hash, randomUUID } from 'node:crypto'
import type { PgBoss } from 'pg-boss'
import type { ItemChange } from '../../core/domain.ts'
import type { PublishDateRule } from '../../core/schedule.ts'
import type { Lifecycle } from '../../pipeline/lifecycle.ts'
import type { Db } from '../../store/db.ts'
import type { Accepted, NewEvent } from '../../store/events.ts'
import { alreadyHandled, saveSweptUntil, sweptUntil } from '../../store/sweeps.ts'
import { sweepPublished } from './sweep.ts'

/**
 * The scheduled-publish sweep: every `intervalSeconds`, ask Directus which items' publish date
 * passed since the last sweep and accept each as a `directus` event through the same intake as a
 * webhook. One replica at a time: the sweep is a pg-boss job on a `stately` queue (at most one
 * queued and one running), each run queueing the next, delayed by the interval. Exactly once:
 * an item some event already covered (a webhook received at or after its publish moment, a
 * delayed purge scheduled for that moment, an earlier sweep) is skipped, and what slips through
 * that check still meets the store's unique (source, delivery key).
 */

export const SWEEP_QUEUE = 'freshet-sweep'
const WATERMARK = 'directus'

export interface SweepDeps {
  db: Db
  boss: PgBoss
  lifecycle: Lifecycle
  now: () => Date
  accept(event: NewEvent): Promise<Accepted>
  directus: { url: string; token: string }
  rules: readonly PublishDateRule[]
  intervalSeconds: number
  overlapSeconds: number
  fetch?: typeof globalThis.fetch
}

export interface SweepResult {
  since: Date
  until: Date
  /** Items whose publish date fell in (since, until]. */
  found: number
  /** Of those, the ids of the events accepted for them (new ones only). */
  accepted: string[]
}

export interface Sweeper {
  /** One sweep now, in line with the scheduled ones (tests; `doctor`). */
  runOnce(signal?: AbortSignal): Promise<SweepResult>
  stop(): Promise<void>
}

/** The window of the next sweep: from the watermark (less the overlap) to now. */
async function sweepWindow(deps: SweepDeps) {
  const until = deps.now()
  const last = await sweptUntil(deps.db, WATERMARK)
  const from = last ?? new Date(until.getTime() - deps.intervalSeconds * 1000)
  return { since: new Date(from.getTime() - deps.overlapSeconds * 1000), until }
}

function toEvent(change: ItemChange, receivedAt: Date): NewEvent {
  const digest = hash('sha256', JSON.stringify(change))
  return {
    id: randomUUID(),
    source: 'directus',
    receivedAt,
    bodyDigest: `sha256:${digest}`,
    deliveryKey: change.provenance?.deliveryKey,
    changes: [change],
  }
}

/**
 * Retries a request that failed before any answer (a keep-alive socket the server had just
 * closed, a restarting Directus); an HTTP error answer is not retried here. The job retries too,
 * but a whole sweep is dearer than one request.
 */
function retryingFetch(fetch: typeof globalThis.fetch, attempts = 3): typeof globalThis.fetch {
  return async (input, init) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(input, init)
      } catch (error) {
        if (attempt >= attempts || init?.signal?.aborted) throw error
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
      }
    }
  }
}

export async function sweepOnce(deps: SweepDeps, signal?: AbortSignal): Promise<SweepResult> {
  const { since, until } = await sweepWindow(deps)
  const changes = await sweepPublished({
    baseUrl: deps.directus.url,
    token: deps.directus.token,
    collections: deps.rules,
    since,
    until,
    fetch: retryingFetch(deps.fetch ?? globalThis.fetch),
    ...(signal ? { signal } : {}),
  })
  const items = changes.map((change) => ({
    collection: change.collection,
    id: change.id,
    publishAt: new Date(change.provenance?.publishAt ?? until),
  }))
  const handled = await alreadyHandled(deps.db, 'directus', items)
  const fresh = changes.filter((_, i) => !handled.has(i))
  const results = await Promise.all(fresh.map((c) => deps.accept(toEvent(c, deps.now()))))
  for (const result of results) {
    deps.lifecycle.emit('event:received', { ...result, source: 'directus' })
  }
  await saveSweptUntil(deps.db, WATERMARK, until)
  const accepted = results.filter((r) => !r.duplicate).map((r) => r.id)
  return { since, until, found: changes.length, accepted }
}

/** Starts the repeating sweep job (and its worker on this replica). */
export async function startSweeper(deps: SweepDeps): Promise<Sweeper> {
  await deps.boss.createQueue(SWEEP_QUEUE, {
    policy: 'stately',
    retryLimit: 3,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: Math.max(60, deps.intervalSeconds * 2),
  })
  let running: Promise<SweepResult> | undefined
  // In line: a sweep asked for while one runs waits for it, so windows never overlap in time.
  const runOnce = (signal?: AbortSignal) => {
    const run = (running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => sweepOnce(deps, signal))
    running = run
    return run
  }
  const queueNext = (seconds: number) =>
    deps.boss.send(SWEEP_QUEUE, {}, { startAfter: seconds }).catch((error: unknown) => {
      deps.lifecycle.emit('pipeline:error', { where: 'sweep: queueing the next sweep', error })
      return null
    })
  const worker = await deps.boss.work(SWEEP_QUEUE, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return
    // The next one first, so a failing sweep (retried by pg-boss) does not break the chain.
    await queueNext(deps.intervalSeconds)
    await runOnce(job.signal).catch((error: unknown) => {
      deps.lifecycle.emit('pipeline:error', { where: 'sweep', error })
      throw error
    })
  })
  // Every replica tries; the stately queue keeps one.
  await queueNext(0)
  return {
    runOnce,
    async stop() {
      await deps.boss.offWork(SWEEP_QUEUE, { id: worker }).catch(() => undefined)
      await running?.catch(() => undefined)
    },
  }
}

/** The sweep, if Directus is configured with a URL, a token and at least one publish-date rule. */
export async function startDirectusSweep(
  directus:
    | { url?: string | undefined; token?: string | undefined; schedule?: SweepSchedule | undefined }
    | undefined,
  rules: readonly PublishDateRule[],
  deps: Omit<SweepDeps, 'directus' | 'rules' | 'intervalSeconds' | 'overlapSeconds'>,
): Promise<Sweeper | undefined> {
  if (!directus?.url || !directus.token || rules.length === 0) return undefined
  return startSweeper({
    ...deps,
    directus: { url: directus.url, token: directus.token },
    rules,
    intervalSeconds: directus.schedule?.sweepIntervalSeconds ?? 60,
    overlapSeconds: directus.schedule?.overlapSeconds ?? 120,
  })
}

type SweepSchedule = { sweepIntervalSeconds: number; overlapSeconds: number }
