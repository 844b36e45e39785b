/**
 * The JSON the page receives from `/api`, derived from the server's own view functions so the
 * two cannot drift. Type-only: nothing here reaches the browser.
 */
import type { eventSummary, eventView } from '../../../store/event-view.ts'

/** What `JSON.stringify` makes of a value: dates become ISO strings. */
type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T

export type EventSummary = Jsonified<ReturnType<typeof eventSummary>>
export type EventView = Jsonified<NonNullable<Awaited<ReturnType<typeof eventView>>>>
export type PodView = EventView['pods'][number]
export type InvalidationView = EventView['invalidations'][number]
export type BatchView = NonNullable<EventView['batch']>

export interface EventPage {
  events: EventSummary[]
  next: string | null
}

/** The statuses `GET /api/events?status=` accepts, in pipeline order. */
export const STATUSES = [
  'received',
  'scheduled',
  'planning',
  'pods',
  'cdn',
  'tracking',
  'completed',
  'failed',
] as const

export const isFinal = (status: string) => status === 'completed' || status === 'failed'
