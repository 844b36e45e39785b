/**
 * The JSON the page receives from `/api`, derived from the server's own view functions so the
 * two cannot drift (the types reach nothing but the compiler), and what the page reads of the
 * server's pipeline.
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

/**
 * The pipeline's stages in order, as the server's page shell lists them (`data-stages`, from
 * `pipeline/stages.ts`): the page keeps no copy of its own.
 */
export function pipelineStages(): string[] {
  return (document.documentElement.dataset.stages ?? '').split(' ').filter(Boolean)
}

export const isFinal = (status: string) => status === 'completed' || status === 'failed'
