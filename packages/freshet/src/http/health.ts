import { Hono } from 'hono'
import { pendingMigrations } from '../store/migrations.ts'
import type { AppDeps } from './deps.ts'

/** `/healthz` (the process answers), `/readyz` (the store answers, migrated), `/metrics`. */
export function healthRoutes(deps: AppDeps) {
  const health = new Hono()
  health.get('/healthz', (c) => c.json({ status: 'ok' }))
  health.get('/readyz', async (c) => {
    // First: while shutting down the store may already be closed.
    if (!deps.accepting()) return c.json({ status: 'not_ready', reason: 'shutting down' }, 503)
    try {
      await deps.db.query('SELECT 1')
      const pending = await pendingMigrations(deps.db)
      if (pending > 0)
        return c.json({ status: 'not_ready', reason: `${pending} migrations pending` }, 503)
      const blocked = deps.notReady?.()
      if (blocked) return c.json({ status: 'not_ready', reason: blocked }, 503)
      return c.json({ status: 'ready' })
    } catch (error) {
      return c.json(
        { status: 'not_ready', reason: `store unreachable: ${(error as Error).message}` },
        503,
      )
    }
  })
  health.get('/metrics', async (c) => {
    return c.body(await deps.metrics.render(), 200, { 'content-type': deps.metrics.contentType })
  })
  return health
}
