import { Hono } from 'hono'
import { z } from 'zod'
import { stringProblem } from '../core/storable.ts'
// The one list the page's filter and the API agree on, from the table of stages.
import { EVENT_STATUSES } from '../pipeline/stages.ts'
import { genericBody } from '../sources/generic.ts'
import { parseJsonBody } from '../sources/json.ts'
import { monthlyBill, monthOf, monthRange } from '../store/billing.ts'
import { eventSummary, eventView } from '../store/event-view.ts'
import { getEvent, listEvents } from '../store/events.ts'
import { acceptEvent } from './accept.ts'
import { requireAdmin } from './auth.ts'
import type { AppDeps } from './deps.ts'
import { badRequest, HttpError } from './errors.ts'
import { queryOf } from './input.ts'

const listQuery = z.strictObject({
  status: z.enum(EVENT_STATUSES).optional(),
  source: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
})

const encodeCursor = (receivedAt: Date, id: string) =>
  Buffer.from(`${new Date(receivedAt).toISOString()}|${id}`).toString('base64url')

function decodeCursor(cursor: string) {
  const [receivedAt, id] = Buffer.from(cursor, 'base64url').toString().split('|')
  if (!receivedAt || !id || stringProblem(id) || Number.isNaN(Date.parse(receivedAt)))
    throw badRequest('invalid_cursor', 'cursor is not one this API gave')
  return { receivedAt, id }
}

/** An id from the URL: one the store could hold, or a 404 without asking it. */
function eventId(id: string): string {
  if (stringProblem(id)) throw new HttpError(404, 'not_found', 'no such event')
  return id
}

/** `/api/*`: events, retries, manual purges, dry runs. All behind the admin token. */
export function adminRoutes(deps: AppDeps) {
  const api = new Hono()
  api.use(requireAdmin(deps.adminToken))

  api.get('/events', async (c) => {
    const { status, source, limit, cursor, since, until } = queryOf(c, listQuery)
    const rows = await listEvents(deps.db, {
      status,
      source,
      since,
      until,
      limit,
      before: cursor ? decodeCursor(cursor) : undefined,
    })
    const last = rows.at(-1)
    return c.json({
      events: rows.map(eventSummary),
      next: rows.length === limit && last ? encodeCursor(last.received_at, last.id) : null,
    })
  })

  api.get('/events/:id', async (c) => {
    const view = await eventView(deps.db, eventId(c.req.param('id')), { traceUrl: deps.traceUrl })
    if (!view) throw new HttpError(404, 'not_found', `no event ${c.req.param('id')}`)
    return c.json(view)
  })

  api.post('/events/:id/retry', async (c) => {
    const event = await getEvent(deps.db, eventId(c.req.param('id')))
    if (!event) throw new HttpError(404, 'not_found', `no event ${c.req.param('id')}`)
    if (event.status !== 'failed' || !event.batch_id) {
      throw new HttpError(
        409,
        'not_failed',
        `event ${event.id} is ${event.status}; only failed events can be retried`,
      )
    }
    const stage = await deps.pipeline.retry(event.batch_id)
    if (!stage) throw new HttpError(409, 'not_failed', `event ${event.id} cannot be retried`)
    return c.json({ id: event.id, status: stage, batchId: event.batch_id }, 202)
  })

  // CloudFront bills per distribution per calendar month; this counts only what freshet created.
  api.get('/billing', async (c) => {
    const month = c.req.query('month') ?? monthOf(deps.now())
    if (!monthRange(month))
      throw badRequest('invalid_query', `month: expected YYYY-MM (e.g. 2026-04), got "${month}"`)
    return c.json(await monthlyBill(deps.db, month))
  })

  api.post('/invalidations', async (c) => {
    const rawBody = await c.req.text()
    const body = parseJsonBody(
      { method: 'POST', url: c.req.url, headers: c.req.raw.headers, rawBody },
      genericBody,
    )
    const accepted = await acceptEvent(deps, {
      source: 'manual',
      rawBody,
      changes: [
        { kind: 'purge', source: 'manual', paths: body.paths ?? [], tags: body.tags ?? [] },
      ],
    })
    return c.json({ id: accepted.id, status: 'received' }, 202)
  })

  return api
}
