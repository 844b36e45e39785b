import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { z } from 'zod'
import type { LiveMessage } from '../observability/live-feed.ts'
import { getEvent } from '../store/events.ts'
import { findPurges } from '../store/purged.ts'
import { requireAdmin } from './auth.ts'
import type { AppDeps } from './deps.ts'
import { jsonBodyOf, queryOf } from './input.ts'

const HEARTBEAT_MS = 15_000

/** A gap (another replica's events were missed) is a new `ready`: the page reads afresh. */
const frameOf = (message: LiveMessage) =>
  message.event === 'gap'
    ? { event: 'ready', data: '{}' }
    : { event: message.event, data: JSON.stringify(message.data) }

const purgeQuery = z
  .strictObject({
    path: z.string().min(1).max(4000).optional(),
    tag: z.string().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => (q.path === undefined) !== (q.tag === undefined), {
    message: 'give exactly one of path or tag',
  })

const bulkRetry = z.strictObject({ ids: z.array(z.string().min(1).max(200)).min(1).max(500) })

/**
 * `/api/stream` (Server-Sent Events of the pipeline's progress, read with the Bearer token
 * through fetch, never a token in the URL), `/api/purges` ("what purged this URL?") and
 * `/api/retries` (bulk retry of failed events).
 */
export function observeRoutes(deps: AppDeps) {
  const api = new Hono()
  api.use(requireAdmin(deps.adminToken))

  api.get('/stream', (c) =>
    streamSSE(c, async (stream) => {
      const unsubscribe = deps.live.subscribe(
        (message) => void stream.writeSSE(frameOf(message)).catch(() => {}),
      )
      stream.onAbort(unsubscribe)
      await stream.writeSSE({ event: 'ready', data: '{}' })
      // Opened in the middle of a retry: shown now, not at its next attempt.
      for (const message of deps.live.retrying()) await stream.writeSSE(frameOf(message))
      while (!stream.aborted) {
        await stream.sleep(HEARTBEAT_MS)
        if (!stream.aborted) await stream.write(': heartbeat\n\n')
      }
    }),
  )

  api.get('/purges', async (c) => {
    const query = queryOf(c, purgeQuery)
    const purges = await findPurges(deps.db, query)
    return c.json({ path: query.path ?? null, tag: query.tag ?? null, purges })
  })

  api.post('/retries', async (c) => {
    const { ids } = await jsonBodyOf(c, bulkRetry)
    const retried: { id: string; status: string }[] = []
    const skipped: { id: string; reason: string }[] = []
    const batches = new Map<string, string | undefined>()
    for (const id of new Set(ids)) {
      const event = await getEvent(deps.db, id)
      if (!event?.batch_id || (event.status !== 'failed' && !batches.has(event.batch_id))) {
        skipped.push({ id, reason: event ? `${event.status}, not failed` : 'no such event' })
        continue
      }
      // Events of one batch are retried together, once.
      if (!batches.has(event.batch_id))
        batches.set(event.batch_id, await deps.pipeline.retry(event.batch_id))
      const stage = batches.get(event.batch_id)
      if (stage) retried.push({ id, status: stage })
      else skipped.push({ id, reason: 'could not be retried' })
    }
    return c.json({ retried, skipped }, retried.length > 0 ? 202 : 200)
  })

  return api
}
