import type { ContentChange, EventStatus } from '../core/domain.ts'
import type { Db } from './db.ts'

export interface NewEvent {
  id: string
  source: string
  receivedAt: Date
  bodyDigest: string
  deliveryKey?: string | undefined
  changes: ContentChange[]
  /** A scheduled publish: not to be collected before this time. */
  notBefore?: Date | undefined
  /** The webhook's span as a W3C `traceparent`, when tracing is on. */
  traceContext?: string | undefined
}

export interface EventRow {
  id: string
  source: string
  received_at: Date
  body_digest: string
  delivery_key: string | null
  changes: ContentChange[]
  status: EventStatus | 'scheduled'
  not_before: Date | null
  batch_id: string | null
  error: string | null
  updated_at: Date
  finished_at: Date | null
  trace_context: string | null
}

export interface Accepted {
  id: string
  duplicate: boolean
}

const iso = (date: Date | undefined) => (date ? date.toISOString() : null)

/**
 * Inserts many events in one statement (what makes batched intake fast). A redelivery, same
 * source and delivery key, is not inserted again: it answers the id of the first.
 */
export async function insertEvents(db: Db, events: NewEvent[]): Promise<Accepted[]> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO events (id, source, received_at, body_digest, delivery_key, changes, status, not_before, trace_context)
     SELECT t.id, t.source, t.received_at, t.body_digest, t.delivery_key, t.changes::jsonb,
            CASE WHEN t.not_before IS NULL THEN 'received' ELSE 'scheduled' END, t.not_before,
            t.trace_context
     FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
       AS t(id, source, received_at, body_digest, delivery_key, changes, not_before, trace_context)
     ON CONFLICT (source, delivery_key) WHERE delivery_key IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      events.map((e) => e.id),
      events.map((e) => e.source),
      events.map((e) => e.receivedAt.toISOString()),
      events.map((e) => e.bodyDigest),
      events.map((e) => e.deliveryKey ?? null),
      events.map((e) => JSON.stringify(e.changes)),
      events.map((e) => iso(e.notBefore)),
      events.map((e) => e.traceContext ?? null),
    ],
    // Parsing and planning it took about a fifth of PostgreSQL's CPU per webhook at 5,000/s,
    // where each insert holds a few events (bench/intake.ts, five alternating pairs).
    { name: 'freshet_insert_events' },
  )
  const fresh = new Set(inserted.map((row) => row.id))
  const duplicates = events.filter((e) => !fresh.has(e.id))
  const existing = duplicates.length > 0 ? await findByDeliveryKeys(db, duplicates) : new Map()
  return events.map((e) =>
    fresh.has(e.id)
      ? { id: e.id, duplicate: false }
      : { id: existing.get(`${e.source}\n${e.deliveryKey}`) ?? e.id, duplicate: true },
  )
}

async function findByDeliveryKeys(db: Db, events: NewEvent[]) {
  const rows = await db.query<{ id: string; source: string; delivery_key: string }>(
    `SELECT id, source, delivery_key FROM events
     WHERE (source, delivery_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [events.map((e) => e.source), events.map((e) => e.deliveryKey ?? null)],
  )
  return new Map(rows.map((row) => [`${row.source}\n${row.delivery_key}`, row.id]))
}

/**
 * An event's columns with its status, error and end taken from its batch once it has one: a
 * batch of thousands of events moves through its stages by updating one row.
 */
const eventStatus = 'CASE WHEN b.id IS NULL THEN e.status ELSE b.status END'

const eventColumns = `e.id, e.source, e.received_at, e.body_digest, e.delivery_key, e.changes,
  e.not_before, e.batch_id, e.updated_at, e.trace_context, ${eventStatus} AS status,
  CASE WHEN b.id IS NULL THEN e.error ELSE b.error END AS error,
  CASE WHEN b.id IS NULL THEN e.finished_at ELSE b.finished_at END AS finished_at`

const eventsWithBatch = 'events e LEFT JOIN batches b ON b.id = e.batch_id'

/** The events a batch holds, by id, source and arrival: what its end announces. */
export async function eventsOfBatch(db: Db, batchId: string) {
  return db.query<{ id: string; source: string; received_at: Date }>(
    'SELECT id, source, received_at FROM events WHERE batch_id = $1',
    [batchId],
  )
}

export async function getEvent(db: Db, id: string): Promise<EventRow | undefined> {
  const rows = await db.query<EventRow>(
    `SELECT ${eventColumns} FROM ${eventsWithBatch} WHERE e.id = $1`,
    [id],
  )
  return rows[0]
}

export interface ListEventsQuery {
  status?: string | undefined
  source?: string | undefined
  limit: number
  /** Received at or after / before these instants. */
  since?: string | undefined
  until?: string | undefined
  /** Keyset cursor: events received before this (received_at, id). */
  before?: { receivedAt: string; id: string } | undefined
}

export async function listEvents(db: Db, query: ListEventsQuery): Promise<EventRow[]> {
  return db.query<EventRow>(
    `SELECT ${eventColumns} FROM ${eventsWithBatch}
     WHERE ($1::text IS NULL OR ${eventStatus} = $1)
       AND ($2::text IS NULL OR e.source = $2)
       AND ($3::timestamptz IS NULL OR (e.received_at, e.id) < ($3::timestamptz, $4::text))
       AND ($6::timestamptz IS NULL OR e.received_at >= $6::timestamptz)
       AND ($7::timestamptz IS NULL OR e.received_at < $7::timestamptz)
     ORDER BY e.received_at DESC, e.id DESC
     LIMIT $5`,
    [
      query.status ?? null,
      query.source ?? null,
      query.before?.receivedAt ?? null,
      query.before?.id ?? null,
      query.limit,
      query.since ?? null,
      query.until ?? null,
    ],
  )
}
