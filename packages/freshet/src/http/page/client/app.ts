/**
 * The page's entry module: asks for the admin token, keeps the event list and the open event
 * fresh, and wires the retry button and the manual purge form. All data comes from `/api`.
 */
import { ApiError, adminToken, api } from './api.ts'
import { badge, h, show } from './dom.ts'
import { createEventList } from './events.ts'
import { renderJourney } from './journey.ts'
import { type EventView, isFinal } from './types.ts'

const REFRESH_MS = 2000

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
  refresh: byId<HTMLButtonElement>('refresh'),
  detail: byId<HTMLElement>('detail'),
  purgeForm: byId<HTMLFormElement>('purge-form'),
  purgePaths: byId<HTMLTextAreaElement>('purge-paths'),
  purgeTags: byId<HTMLTextAreaElement>('purge-tags'),
}

const list = createEventList(
  { container: byId('events'), loadMore: byId<HTMLButtonElement>('load-more') },
  pageSize(),
  (id) => {
    location.hash = `event=${encodeURIComponent(id)}`
  },
)

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
}

async function loadEvent(id: string) {
  const view = await api<EventView>(`events/${encodeURIComponent(id)}`)
  if (openEvent?.id !== id) return
  openEvent.view = view
  const key = JSON.stringify(view)
  if (openEvent.shown === key) return
  openEvent.shown = key
  show(
    ui.detail,
    h('h2', { id: 'detail-title' }, 'Event ', h('code', {}, view.id), ' ', badge(view.status)),
    renderJourney(view, { retry: (eventId) => retry(eventId).catch(fail) }),
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
  await Promise.all([loadEvent(id), list.refresh()])
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

let ticking = false
let tickFailed = false
/** Auto-refresh: the list, and the open event until it ends. Skipped while the tab is hidden. */
async function tick() {
  if (ticking || document.hidden || !ui.autoRefresh.checked || !adminToken.get()) return
  ticking = true
  try {
    const open = openEvent
    const refreshes: Promise<unknown>[] = [list.refresh()]
    if (open && !(open.view && isFinal(open.view.status))) refreshes.push(loadEvent(open.id))
    await Promise.all(refreshes)
    // A refresh that failed (server restarting, say) stops being news once one succeeds.
    if (tickFailed) show(ui.error)
    tickFailed = false
  } catch (error) {
    tickFailed = true
    fail(error)
  } finally {
    ticking = false
  }
}

ui.tokenForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const token = ui.tokenInput.value.trim()
  if (!token) return
  adminToken.set(token)
  ui.tokenInput.value = ''
  signIn().catch(fail)
})
ui.forget.addEventListener('click', () => {
  adminToken.clear()
  say('Token forgotten.')
  signedOut()
})
ui.statusFilter.addEventListener(
  'change',
  () => void list.filter(ui.statusFilter.value).catch(fail),
)
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
setInterval(() => void tick(), REFRESH_MS)

if (adminToken.get()) signIn().catch(fail)
else signedOut()
