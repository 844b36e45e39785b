/**
 * The recent-events list: a status filter, the rows loaded so far and the cursor for more.
 * A refresh reloads as many rows as are shown, so "load more" survives auto-refresh.
 * Loads run one after another: a refresh answered after a "load more" (or a filter's first page
 * after a click on "load more") would otherwise overwrite the rows with an older view.
 */
import { api } from './api.ts'
import { badge, duration, h, shortId, show, time } from './dom.ts'
import type { EventPage, EventSummary } from './types.ts'

const MAX_PAGE = 500

export interface EventFilters {
  status: string
  source: string
  /** An ISO instant: only events received since. */
  since: string
}

export interface EventListElements {
  container: HTMLElement
  loadMore: HTMLButtonElement
}

export function createEventList(
  elements: EventListElements,
  pageSize: number,
  open: (id: string) => void,
) {
  let filters: EventFilters = { status: '', source: '', since: '' }
  let events: EventSummary[] = []
  let next: string | null = null
  let selected: string | null = null
  let shown = ''
  let queue: Promise<unknown> = Promise.resolve()

  /** Runs `work` once every load before it has ended, each on the state the last one left. */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work)
    queue = run.catch(() => undefined)
    return run
  }

  const query = (limit: number, cursor?: string | null) => {
    const params = new URLSearchParams({ limit: String(limit) })
    if (filters.status) params.set('status', filters.status)
    if (filters.source) params.set('source', filters.source)
    if (filters.since) params.set('since', filters.since)
    if (cursor) params.set('cursor', cursor)
    return api<EventPage>(`events?${params}`)
  }

  function render() {
    // Re-rendering identical rows would only reset focus and scroll.
    const key = JSON.stringify([events, next, selected])
    if (key === shown) return
    shown = key
    elements.loadMore.hidden = next === null
    if (events.length === 0) {
      const what = filters.status ? `No ${filters.status} events.` : 'No events yet.'
      show(
        elements.container,
        h('p', { class: 'muted' }, `${what} Send a webhook, or purge by hand.`),
      )
      return
    }
    show(elements.container, eventTable(events, selected, open))
  }

  async function reload(hold: boolean) {
    const page = await query(Math.min(Math.max(events.length, pageSize), MAX_PAGE))
    events = page.events
    next = page.next
    if (!hold) render()
  }

  return {
    /** Reloads the rows shown; `hold` leaves them unshown until `render()` (see app.ts). */
    refresh: (hold = false) => serial(() => reload(hold)),
    render,
    loadMore: () =>
      serial(async () => {
        if (!next) return
        const page = await query(pageSize, next)
        events = [...events, ...page.events]
        next = page.next
        render()
      }),
    filter: (changed: Partial<EventFilters>) =>
      serial(() => {
        filters = { ...filters, ...changed }
        events = []
        return reload(false)
      }),
    /**
     * The open event's fresher state, so the list and the detail never disagree; one opened
     * before the list's next reload saw it (just sent) goes on top, if the filters show it.
     */
    patch(update: EventSummary) {
      const at = events.findIndex((e) => e.id === update.id)
      const known = events[at]
      if (!known) {
        if (belongsOnTop(update, events, filters)) events = [update, ...events]
        return
      }
      if (known.status === update.status && known.finishedAt === update.finishedAt) return
      events = events.with(at, { ...known, ...update })
    },
    statusOf: (id: string) => events.find((e) => e.id === id)?.status,
    /** Ids of the failed events shown, for a bulk retry. */
    failed: () => events.filter((e) => e.status === 'failed').map((e) => e.id),
    select(id: string | null) {
      selected = id
      render()
    },
  }
}

/** Newer than every row shown, and one the filters let through. */
function belongsOnTop(event: EventSummary, events: EventSummary[], filters: EventFilters) {
  const newest = events[0]
  if (newest && Date.parse(event.receivedAt) < Date.parse(newest.receivedAt)) return false
  if (filters.status && filters.status !== event.status) return false
  if (filters.source && filters.source !== event.source) return false
  return !filters.since || Date.parse(event.receivedAt) >= Date.parse(filters.since)
}

function eventTable(events: EventSummary[], selected: string | null, open: (id: string) => void) {
  const rows = events.map((event) =>
    h(
      'tr',
      event.id === selected ? { class: 'selected', 'aria-current': 'true' } : {},
      h('td', {}, time(event.receivedAt)),
      h('td', {}, badge(event.status)),
      h('td', {}, event.source),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            title: event.id,
            'aria-label': `Open event ${event.id}`,
            onclick: () => open(event.id),
          },
          h('code', {}, shortId(event.id)),
        ),
      ),
      h('td', {}, duration(event.receivedAt, event.finishedAt)),
    ),
  )
  return h(
    'table',
    { class: 'events' },
    h('caption', {}, `Recent events (${events.length} shown)`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Received', 'Status', 'Source', 'Event', 'Took'].map((name) =>
          h('th', { scope: 'col' }, name),
        ),
      ),
    ),
    h('tbody', {}, ...rows),
  )
}
