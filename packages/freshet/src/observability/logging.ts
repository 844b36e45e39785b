import pino, { type Logger } from 'pino'
import type { Lifecycle } from '../pipeline/lifecycle.ts'

/**
 * Structured logs from lifecycle events. Nothing here sees a request's headers or body, so a
 * secret cannot reach the log by way of a webhook.
 */
export function createLogger(level = process.env.FRESHET_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: 'freshet',
    level,
    redact: [
      '*.token',
      '*.secret',
      '*.signingSecret',
      '*.adminToken',
      '*.apiToken',
      '*.clientSecret',
      '*.clientToken',
      '*.accessToken',
    ],
  })
}

export function logLifecycle(lifecycle: Lifecycle, log: Logger) {
  lifecycle.on('event:received', (e) => log.debug(e, 'event received'))
  lifecycle.on('batch:created', (e) => log.info(e, 'batch created'))
  lifecycle.on('batch:planned', (e) => log.info(e, 'batch planned'))
  lifecycle.on('stage:skipped', (e) => log.info(e, 'stage skipped'))
  lifecycle.on('stage:retrying', (e) => log.warn(e, 'stage failed; will retry'))
  lifecycle.on('pod:delivered', (e) =>
    e.status === 'confirmed' ? log.debug(e, 'pod confirmed') : log.warn(e, 'pod not confirmed'),
  )
  lifecycle.on('pods:confirmed', (e) => log.info(e, 'every pod confirmed'))
  lifecycle.on('pod:joined', (e) => log.info(e, 'pod joined: catching it up'))
  lifecycle.on('pod:caught-up', (e) => log.info(e, 'pod caught up'))
  lifecycle.on('pod:catch-up-failed', (e) =>
    e.final ? log.error(e, 'pod catch-up failed') : log.warn(e, 'pod catch-up failed; will retry'),
  )
  lifecycle.on('cdn:created', (e) => log.info(e, 'CDN invalidation created'))
  lifecycle.on('cdn:completed', (e) => log.info(e, 'CDN invalidation completed'))
  lifecycle.on('cdn:widened', (e) => log.warn(e, 'CDN paths widened to fit maxDelaySeconds'))
  lifecycle.on('batch:completed', (e) => log.info(e, 'batch completed'))
  lifecycle.on('batch:failed', (e) => log.error(e, 'batch failed'))
  lifecycle.on('request:aborted', (e) =>
    log.info(e, 'client closed the connection before its request was read'),
  )
  lifecycle.on('reconcile:completed', ({ events, ...e }) =>
    log.info({ ...e, events: events.length }, 'reconciled: requests, items read, events made'),
  )
  lifecycle.on('reconcile:failed', (e) => log.error(e, 'reconciliation failed'))
  lifecycle.on('intake:split', (e) =>
    log.warn(e, 'the store refused an intake insert; splitting it so only the bad webhook fails'),
  )
  lifecycle.on('pipeline:error', (e) =>
    log.error({ where: e.where, err: e.error }, 'pipeline error'),
  )
}
