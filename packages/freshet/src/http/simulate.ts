import { Hono } from 'hono'
import { z } from 'zod'
import { sourceNamed } from './accept.ts'
import { requireAdmin } from './auth.ts'
import type { AppDeps } from './deps.ts'
import { HttpError } from './errors.ts'
import { jsonBodyOf } from './input.ts'

const simulateBody = z.strictObject({
  source: z.string().min(1).max(64),
  /** The webhook body as the CMS would send it (a string, or JSON to serialise). */
  body: z.union([z.string().max(1024 * 1024), z.record(z.string(), z.unknown())]),
  /** As `Headers` takes them: a name is an HTTP token, a value has no CR, LF or char past U+00FF. */
  headers: z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, 'is not an HTTP header name'),
      z.string().regex(/^[\t\x20-\x7e\x80-\xff]{0,8192}$/, 'is not an HTTP header value'),
      // Else zod says only "Invalid key in record".
      {
        error: (issue) => (issue.code === 'invalid_key' ? 'is not an HTTP header name' : undefined),
      },
    )
    .default({}),
})

/**
 * `POST /api/simulate`: what a webhook would purge, and why, without side effects. The body is
 * parsed by the source as a real delivery would be (its signature is not checked: this is an
 * admin's dry run), then planned without writing the route index.
 */
export function simulateRoutes(deps: AppDeps) {
  const api = new Hono()
  api.use(requireAdmin(deps.adminToken))
  api.post('/simulate', async (c) => {
    const { source: name, body, headers } = await jsonBodyOf(c, simulateBody)
    const source = sourceNamed(deps, name)
    if (!deps.simulate) throw new HttpError(404, 'no_planner', 'simulation is not available')
    const request = {
      method: 'POST',
      url: c.req.url,
      headers: new Headers({ 'content-type': 'application/json', ...headers }),
      rawBody: typeof body === 'string' ? body : JSON.stringify(body),
    }
    const delivery = source.parse(request)
    if ('ignored' in delivery) return c.json({ ignored: delivery.ignored, plan: null })
    const plan = await deps.simulate.plan(delivery.changes, c.req.raw.signal)
    return c.json({ changes: delivery.changes, plan })
  })
  return api
}
