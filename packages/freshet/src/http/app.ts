import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import { MAX_BODY_BYTES } from '../core/limits.ts'
import { adminRoutes } from './admin.ts'
import type { AppDeps } from './deps.ts'
import { HttpError } from './errors.ts'
import { healthRoutes } from './health.ts'
import { hookRoutes } from './hooks.ts'
import { observeRoutes } from './observe.ts'
import { pageRoutes } from './page.ts'
import { simulateRoutes } from './simulate.ts'

const tooLarge = () =>
  new HttpError(413, 'body_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`)

const streamingLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw tooLarge()
  },
})

/**
 * Bodies over 1 MiB get 413. A declared Content-Length decides at once (Node's parser holds the
 * body to it); only a body without one is counted as it streams, which costs a web stream.
 */
const limitBody = createMiddleware(async (c, next) => {
  const declared = c.req.header('content-length')
  if (declared === undefined || !/^\d+$/.test(declared)) return streamingLimit(c, next)
  if (Number(declared) > MAX_BODY_BYTES) throw tooLarge()
  await next()
})

/** The one HTTP app: webhooks, admin API, web page, health and metrics. No port: `app.request()`. */
export function createApp(deps: AppDeps) {
  const app = new Hono()
  app.use(limitBody)
  app.route('/', healthRoutes(deps))
  app.route('/hooks', hookRoutes(deps))
  app.route('/api', simulateRoutes(deps))
  app.route('/api', observeRoutes(deps))
  app.route('/api', adminRoutes(deps))
  app.route('/', pageRoutes(deps))
  app.notFound((c) =>
    c.json(
      { error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  )
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      const body = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      }
      return c.json(body, error.status)
    }
    if (error instanceof HTTPException) {
      return c.json(
        { error: { code: 'bad_request', message: error.message || 'bad request' } },
        error.status,
      )
    }
    deps.lifecycle.emit('pipeline:error', { where: `http ${c.req.method} ${c.req.path}`, error })
    return c.json(
      { error: { code: 'internal', message: 'internal error; see the service log' } },
      500,
    )
  })
  return app
}
