import { Hono } from 'hono'
import { acceptEvent, sourceNamed } from './accept.ts'
import type { AppDeps } from './deps.ts'

/** `POST /hooks/:source`: verify, parse, persist, and only then answer 202. */
export function hookRoutes(deps: AppDeps) {
  const hooks = new Hono()
  hooks.post('/:source', async (c) => {
    const name = c.req.param('source')
    const source = sourceNamed(deps, name)
    const rawBody = await c.req.text()
    const request = { method: c.req.method, url: c.req.url, headers: c.req.raw.headers, rawBody }
    await source.verify(request)
    const delivery = source.parse(request)
    if ('ignored' in delivery) {
      deps.lifecycle.emit('event:ignored', { source: name, reason: delivery.ignored })
      return c.json({ status: 'ignored', reason: delivery.ignored }, 200)
    }
    const accepted = await acceptEvent(deps, {
      source: name,
      rawBody,
      changes: delivery.changes,
      deliveryKey: delivery.deliveryKey,
      notBefore: delivery.notBefore,
    })
    return c.json(
      {
        id: accepted.id,
        status: delivery.notBefore ? 'scheduled' : 'received',
        ...(delivery.notBefore ? { notBefore: delivery.notBefore.toISOString() } : {}),
        ...(accepted.duplicate ? { duplicate: true } : {}),
      },
      202,
    )
  })
  return hooks
}
