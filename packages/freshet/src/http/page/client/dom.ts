/**
 * Small DOM builders. Data only ever enters the page as text nodes or attribute values set with
 * `setAttribute`, never as HTML, so nothing a CMS or a pod sends can become markup.
 */
export type Child = Node | string | number | null | undefined | false
/** One child or a list of them (flattened one level). */
export type Content = Child | Child[]
type Children = Content[]
type Props = Record<string, string | number | boolean | null | undefined | EventListener>

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Children
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.slice(2), value)
    else if (name === 'class') element.className = String(value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  element.append(...nodes(children))
  return element
}

function nodes(children: Children): (Node | string)[] {
  return children
    .flat()
    .filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (child instanceof Node ? child : String(child)))
}

/** Replaces what an element shows. */
export function show(element: Element, ...children: Children) {
  element.replaceChildren(...nodes(children))
}

/** A date as local time, with the exact ISO instant on hover. */
export function time(iso: string | null | undefined): Child {
  if (!iso) return h('span', { class: 'muted' }, '—')
  const date = new Date(iso)
  const day =
    date.toDateString() === new Date().toDateString() ? '' : `${date.toLocaleDateString()} `
  const clock = date.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
  })
  return h('time', { datetime: iso, title: iso }, day + clock)
}

/** How long from one instant to another: "0.42 s", "3 min 05 s". */
export function duration(from: string | null | undefined, to: string | null | undefined) {
  if (!from || !to) return ''
  const ms = Date.parse(to) - Date.parse(from)
  if (!Number.isFinite(ms) || ms < 0) return ''
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`
}

/** A status as a labelled badge; the class only ever holds letters, so data cannot style it. */
export function badge(status: string) {
  const kind = status.toLowerCase().replace(/[^a-z]/g, '')
  return h('span', { class: `badge badge-${kind}` }, status)
}

/** A table; `notes[i]`, when given, is a full-width line under row i (an error, say). */
export function table(
  caption: string,
  headers: string[],
  rows: Content[][],
  notes: Content[] = [],
) {
  const body = rows.flatMap((cells, index) => {
    const row = h('tr', {}, ...cells.map((cell) => h('td', {}, cell)))
    const note = notes[index]
    if (!note) return [row]
    row.className = 'has-note'
    return [row, h('tr', { class: 'row-note' }, h('td', { colspan: headers.length }, note))]
  })
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, ...body),
  )
}

export const shortId = (id: string) => id.slice(0, 8)
