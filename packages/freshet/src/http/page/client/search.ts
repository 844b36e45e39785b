/**
 * "What purged this URL?": a path or a tag → every batch whose plan held it, newest first, with
 * why (rule, parent chain, old URL, reconcile…), its events, and when each layer completed.
 */
import { api } from './api.ts'
import { badge, h, shortId, show, time } from './dom.ts'

interface PurgeView {
  batchId: string
  status: string
  createdAt: string
  finishedAt: string | null
  reasons: { kind: string; detail: string }[]
  events: { id: string; source: string; receivedAt: string }[]
  layers: { name: string; completedAt: string | null }[]
}

export async function searchPurges(
  container: HTMLElement,
  kind: 'path' | 'tag',
  value: string,
  open: (id: string) => void,
) {
  const answer = await api<{ purges: PurgeView[] }>(
    `purges?${new URLSearchParams({ [kind]: value })}`,
  )
  const what = h('code', {}, kind === 'tag' ? `#${value}` : value)
  if (answer.purges.length === 0) {
    show(container, h('p', { class: 'muted' }, 'Nothing purged ', what, ' yet.'))
    return
  }
  show(
    container,
    h('p', {}, what, ` was purged ${answer.purges.length} time(s), newest first:`),
    h('ol', { class: 'purges' }, ...answer.purges.map((purge) => item(purge, open))),
  )
}

function item(purge: PurgeView, open: (id: string) => void) {
  return h(
    'li',
    {},
    h(
      'p',
      {},
      badge(purge.status),
      ' batch ',
      h('code', {}, shortId(purge.batchId)),
      ' at ',
      time(purge.createdAt),
    ),
    h(
      'p',
      { class: 'small' },
      'Why: ',
      purge.reasons.map((r) => `${r.kind}: ${r.detail}`).join('; ') || 'no reason recorded',
    ),
    h(
      'p',
      { class: 'small' },
      'Events: ',
      ...purge.events.flatMap((event, i) => [
        i > 0 ? ', ' : '',
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-label': `Open event ${event.id}`,
            onclick: () => open(event.id),
          },
          h('code', {}, shortId(event.id)),
        ),
        ` (${event.source})`,
      ]),
    ),
    h(
      'ul',
      { class: 'layers small' },
      ...purge.layers.map((layer) =>
        h(
          'li',
          {},
          `${layer.name}: `,
          layer.completedAt ? ['completed ', time(layer.completedAt)] : 'not completed',
        ),
      ),
    ),
  )
}
