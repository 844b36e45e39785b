/**
 * The recent-events list: a status filter, the rows loaded so far and the cursor for more.
 * A refresh reloads as many rows as are shown, so "load more" survives auto-refresh.
 */
import { api } from './api.ts'
import { badge, duration, h, shortId, show, time } from './dom.ts'
import type { EventPage, EventSummary } from './types.ts'

const MAX_PAGE = 500

export interface EventListElements {
  container: HTMLElement
  loadMore: HTMLButtonElement
}

export function createEventList(
  elements: EventListElements,
  pageSize: number,
  open: (id: string) => void,
) {
  let status = ''
  let events: EventSummary[] = []
  let next: string | null = null
  let selected: string | null = null
  let shown = ''

  const query = (limit: number, cursor?: string | null) => {
    const params = new URLSearchParams({ limit: String(limit) })
    if (status) params.set('status', status)
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
      const what = status ? `No ${status} events.` : 'No events yet.'
      show(
        elements.container,
        h('p', { class: 'muted' }, `${what} Send a webhook, or purge by hand.`),
      )
      return
    }
    show(elements.container, eventTable(events, selected, open))
  }

  return {
    async refresh() {
      const page = await query(Math.min(Math.max(events.length, pageSize), MAX_PAGE))
      events = page.events
      next = page.next
      render()
    },
    async loadMore() {
      if (!next) return
      const page = await query(pageSize, next)
      events = [...events, ...page.events]
      next = page.next
      render()
    },
    async filter(newStatus: string) {
      status = newStatus
      events = []
      await this.refresh()
    },
    select(id: string | null) {
      selected = id
      render()
    },
  }
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
