import { httpInstrumentationMiddleware } from '@hono/otel'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { MAX_BODY_BYTES } from '../core/limits.ts'
import { tracingOn } from '../observability/tracing.ts'
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

/** Seconds a sender is asked to wait while this replica shuts down (another takes over). */
export const SHUTDOWN_RETRY_AFTER_S = 5

/**
 * While shutting down, the listener stays open and every new request but the liveness and
 * metrics ones is answered 503 with Retry-After: senders see a refusal they retry, not a
 * refused connection. `/readyz` says why itself.
 */
const refuseWhileStopping = (deps: AppDeps) =>
  createMiddleware(async (c, next) => {
    const exempt =
      c.req.path === '/healthz' || c.req.path === '/metrics' || c.req.path === '/readyz'
    if (!deps.accepting() && !exempt) {
      throw new HttpError(503, 'shutting_down', 'freshet is shutting down; retry shortly', {
        headers: { 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) },
      })
    }
    await next()
  })

/** The one HTTP app: webhooks, admin API, web page, health and metrics. No port: `app.request()`. */
export function createApp(deps: AppDeps) {
  const app = new Hono()
  // A server span per webhook and API request, continuing a sender's W3C traceparent; only
  // with tracing on. Probes, metrics scrapes and the page's assets would be a trace each.
  if (tracingOn()) {
    const traced = httpInstrumentationMiddleware()
    app.use('/hooks/*', traced)
    app.use('/api/*', traced)
  }
  // X-Request-Id: the sender's when it gives a sane one, else a fresh UUID; echoed back.
  app.use(requestId())
  app.use(refuseWhileStopping(deps))
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
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value)
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
    if (c.req.raw.signal.aborted) {
      // The client went away mid-request (a body cut off): nothing for an operator to do.
      deps.lifecycle.emit('request:aborted', {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
      })
      return c.json(
        { error: { code: 'client_closed', message: 'the client closed the request' } },
        400,
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
