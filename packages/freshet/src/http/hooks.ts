import { createHash, randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import type { AppDeps } from './deps.ts'
import { HttpError } from './errors.ts'

/** `POST /hooks/:source`: verify, parse, persist, and only then answer 202. */
export function hookRoutes(deps: AppDeps) {
  const hooks = new Hono()
  hooks.post('/:source', async (c) => {
    const name = c.req.param('source')
    const source = deps.sources.get(name)
    if (!source)
      throw new HttpError(
        404,
        'unknown_source',
        `source "${name}" is not configured (sources.${name})`,
      )
    if (!deps.accepting())
      throw new HttpError(503, 'shutting_down', 'freshet is shutting down; retry shortly')
    const rawBody = await c.req.text()
    const request = { method: c.req.method, url: c.req.url, headers: c.req.raw.headers, rawBody }
    await source.verify(request)
    const delivery = source.parse(request)
    if ('ignored' in delivery) {
      deps.lifecycle.emit('event:ignored', { source: name, reason: delivery.ignored })
      return c.json({ status: 'ignored', reason: delivery.ignored }, 200)
    }
    const accepted = await deps.pipeline.accept({
      id: randomUUID(),
      source: name,
      receivedAt: deps.now(),
      bodyDigest: `sha256:${createHash('sha256').update(rawBody).digest('hex')}`,
      deliveryKey: delivery.deliveryKey,
      changes: delivery.changes,
      notBefore: delivery.notBefore,
    })
    deps.lifecycle.emit('event:received', {
      id: accepted.id,
      source: name,
      duplicate: accepted.duplicate,
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
