/**
 * The page's entry module: asks for the admin token, keeps the event list and the open event
 * live (Server-Sent Events from `/api/stream`, no polling), and wires the retry buttons, the
 * search and the manual purge form. All data comes from `/api`.
 */
import { ApiError, adminToken, api } from './api.ts'
import { badge, h, show } from './dom.ts'
import { createEventList } from './events.ts'
import { renderJourney } from './journey.ts'
import { followLive, type LiveMessage } from './live.ts'
import { searchPurges } from './search.ts'
import { type EventView, isFinal } from './types.ts'
import type { LiveRetry } from './waterfall.ts'

/** Messages in this window are one refresh: a batch of 200 pods is not 200 reloads. */
const SETTLE_MS = 150

/** Events per page: 50, or `?limit=` in the page's address (1–500). */
function pageSize() {
  const asked = Math.trunc(Number(new URLSearchParams(location.search).get('limit')))
  return asked >= 1 && asked <= 500 ? asked : 50
}

const byId = <T extends HTMLElement>(id: string) => {
  const element = document.getElementById(id)
  if (!element) throw new Error(`[freshet] [page] the page has no #${id}`)
  return element as T
}

const ui = {
  tokenForm: byId<HTMLFormElement>('token-form'),
  tokenInput: byId<HTMLInputElement>('token'),
  signedIn: byId<HTMLElement>('signed-in'),
  forget: byId<HTMLButtonElement>('forget-token'),
  main: byId<HTMLElement>('main'),
  message: byId<HTMLElement>('message'),
  error: byId<HTMLElement>('error'),
  statusFilter: byId<HTMLSelectElement>('status-filter'),
  autoRefresh: byId<HTMLInputElement>('auto-refresh'),
  liveState: byId<HTMLElement>('live-state'),
  sourceFilter: byId<HTMLInputElement>('source-filter'),
  sinceFilter: byId<HTMLSelectElement>('since-filter'),
  retryFailed: byId<HTMLButtonElement>('retry-failed'),
  searchForm: byId<HTMLFormElement>('search-form'),
  searchKind: byId<HTMLSelectElement>('search-kind'),
  searchValue: byId<HTMLInputElement>('search-value'),
  searchResults: byId<HTMLElement>('search-results'),
  refresh: byId<HTMLButtonElement>('refresh'),
  detail: byId<HTMLElement>('detail'),
  purgeForm: byId<HTMLFormElement>('purge-form'),
  purgePaths: byId<HTMLTextAreaElement>('purge-paths'),
  purgeTags: byId<HTMLTextAreaElement>('purge-tags'),
}

const openById = (id: string) => {
  location.hash = `event=${encodeURIComponent(id)}`
}
const list = createEventList(
  { container: byId('events'), loadMore: byId<HTMLButtonElement>('load-more') },
  pageSize(),
  openById,
)
/** Pods and CDN chunks being retried now, by batch, from the stream (`pod:retrying`, `cdn:retrying`). */
const retrying = new Map<string, Map<string, LiveRetry>>()

let openEvent: { id: string; view?: EventView; shown?: string } | null = null

function say(text: string) {
  show(ui.error)
  show(ui.message, text)
}

/** Shows what went wrong; a refused token signs out, so the form asks again. */
function fail(error: unknown) {
  const text = error instanceof Error ? error.message : String(error)
  if (error instanceof ApiError && error.unauthorized) {
    adminToken.clear()
    signedOut()
    show(ui.error, `The admin token was refused: ${text}`)
    return
  }
  const code = error instanceof ApiError ? `${error.code}: ` : ''
  show(ui.error, `${code}${text}`)
}

function signedOut() {
  ui.tokenForm.hidden = false
  ui.signedIn.hidden = true
  ui.main.hidden = true
  ui.tokenInput.focus()
}

async function signIn() {
  ui.tokenForm.hidden = true
  ui.signedIn.hidden = false
  ui.main.hidden = false
  await list.refresh()
  show(ui.error)
  await openFromHash()
  if (ui.autoRefresh.checked) live.start()
}

async function loadEvent(id: string) {
  const view = await api<EventView>(`events/${encodeURIComponent(id)}`)
  showEvent(view)
}

/**
 * Shows an event read after the list, and the list with that event's state, in one go: the
 * list and the detail never show the same event differently.
 */
function showEvent(view: EventView) {
  if (openEvent?.id !== view.id) return
  openEvent.view = view
  list.patch(view)
  list.render()
  const pods = [...(retrying.get(view.batchId ?? '')?.values() ?? [])]
  const key = JSON.stringify([view, pods])
  if (openEvent.shown === key) return
  openEvent.shown = key
  show(
    ui.detail,
    h('h2', { id: 'detail-title' }, 'Event ', h('code', {}, view.id), ' ', badge(view.status)),
    renderJourney(view, { retry: (eventId) => retry(eventId).catch(fail) }, pods),
  )
}

async function openFromHash() {
  const id = new URLSearchParams(location.hash.slice(1)).get('event')
  list.select(id)
  if (!id) {
    openEvent = null
    show(
      ui.detail,
      h('p', { class: 'muted' }, 'Choose an event to follow it from webhook to Completed.'),
    )
    return
  }
  if (openEvent?.id === id) return
  openEvent = { id }
  show(ui.detail, h('p', { class: 'muted' }, `Loading event ${id}…`))
  await loadEvent(id)
}

async function retry(id: string) {
  const answer = await api<{ status: string }>(`events/${encodeURIComponent(id)}/retry`, {
    method: 'POST',
  })
  say(`Retrying event ${id}: back in the ${answer.status} stage.`)
  await refreshBoth()
}

/** One entry a line; tags may also be comma-separated (a tag never holds a comma, a path may). */
const entries = (text: string, separator: RegExp) =>
  text
    .split(separator)
    .map((entry) => entry.trim())
    .filter(Boolean)

async function purge() {
  const body = {
    paths: entries(ui.purgePaths.value, /\n/),
    tags: entries(ui.purgeTags.value, /[\n,]/),
  }
  if (body.paths.length + body.tags.length === 0) {
    show(ui.error, 'Give at least one path or tag to purge.')
    return
  }
  const answer = await api<{ id: string }>('invalidations', { method: 'POST', body })
  ui.purgeForm.reset()
  say(`Purge accepted as event ${answer.id}.`)
  location.hash = `event=${encodeURIComponent(answer.id)}`
  await list.refresh()
}

/** Remembers a pod or CDN chunk being retried until it answers or its batch ends. */
function track(message: LiveMessage) {
  const batchId = String(message.data.batchId ?? '')
  if (message.event === 'pod:retrying') {
    const pods = retrying.get(batchId) ?? new Map<string, LiveRetry>()
    pods.set(String(message.data.podId), message.data as unknown as LiveRetry)
    retrying.set(batchId, pods)
  } else if (message.event === 'cdn:retrying') {
    const chunks = retrying.get(batchId) ?? new Map<string, LiveRetry>()
    const { distributionId, chunk } = message.data
    chunks.set(`cdn ${distributionId} ${chunk}`, message.data as unknown as LiveRetry)
    retrying.set(batchId, chunks)
  } else if (message.event === 'pod:delivered') {
    retrying.get(batchId)?.delete(String(message.data.podId))
  } else if (message.event === 'batch:completed' || message.event === 'batch:failed') {
    retrying.delete(batchId)
  }
}

/** The open event needs reading again: still moving, or the list saw it change (a retry). */
function stale(open: { view?: EventView }) {
  if (!open.view || !isFinal(open.view.status)) return true
  const listed = list.statusOf(open.view.id)
  return listed !== undefined && listed !== open.view.status
}

/** The list, then the open event if it may have moved; both shown together. */
async function refreshBoth() {
  const open = openEvent
  await list.refresh(true)
  if (open && stale(open)) showEvent(await api<EventView>(`events/${encodeURIComponent(open.id)}`))
  list.render()
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined
/** Reloads the list, then the open event, once per burst of messages. */
function refreshSoon() {
  if (refreshTimer) return
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined
    void refreshBoth().catch(fail)
  }, SETTLE_MS)
}

const live = followLive({
  onMessage(message) {
    track(message)
    refreshSoon()
  },
  onOpen() {
    show(ui.liveState, 'live')
    show(ui.error)
    // Whatever happened while the stream was down.
    refreshSoon()
  },
  onDown(reason) {
    show(ui.liveState, `reconnecting (${reason})`)
  },
})

async function retryFailed() {
  const ids = list.failed()
  if (ids.length === 0) {
    say('No failed events shown to retry.')
    return
  }
  const answer = await api<{ retried: unknown[]; skipped: unknown[] }>('retries', {
    method: 'POST',
    body: { ids },
  })
  say(`Retrying ${answer.retried.length} failed event(s); ${answer.skipped.length} skipped.`)
  await list.refresh()
}

async function search() {
  const value = ui.searchValue.value.trim()
  if (!value) return
  const kind = ui.searchKind.value === 'tag' ? 'tag' : 'path'
  await searchPurges(ui.searchResults, kind, value.replace(/^#/, ''), openById)
}

/** "last N minutes" as the instant it starts. */
const sinceOf = (minutes: string) =>
  minutes ? new Date(Date.now() - Number(minutes) * 60_000).toISOString() : ''

ui.tokenForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const token = ui.tokenInput.value.trim()
  if (!token) return
  adminToken.set(token)
  ui.tokenInput.value = ''
  signIn().catch(fail)
})
ui.forget.addEventListener('click', () => {
  live.stop()
  adminToken.clear()
  say('Token forgotten.')
  signedOut()
})
ui.statusFilter.addEventListener(
  'change',
  () => void list.filter({ status: ui.statusFilter.value }).catch(fail),
)
ui.sourceFilter.addEventListener(
  'change',
  () => void list.filter({ source: ui.sourceFilter.value.trim() }).catch(fail),
)
ui.sinceFilter.addEventListener(
  'change',
  () => void list.filter({ since: sinceOf(ui.sinceFilter.value) }).catch(fail),
)
ui.autoRefresh.addEventListener('change', () => {
  if (ui.autoRefresh.checked) live.start()
  else {
    live.stop()
    show(ui.liveState, 'paused')
  }
})
ui.retryFailed.addEventListener('click', () => void retryFailed().catch(fail))
ui.searchForm.addEventListener('submit', (event) => {
  event.preventDefault()
  search().catch(fail)
})
ui.refresh.addEventListener('click', () => {
  if (openEvent) openEvent.shown = undefined
  Promise.all([list.refresh(), openEvent ? loadEvent(openEvent.id) : null]).catch(fail)
})
byId('load-more').addEventListener('click', () => void list.loadMore().catch(fail))
ui.purgeForm.addEventListener('submit', (event) => {
  event.preventDefault()
  purge().catch(fail)
})
window.addEventListener('hashchange', () => void openFromHash().catch(fail))

if (adminToken.get()) signIn().catch(fail)
else signedOut()
