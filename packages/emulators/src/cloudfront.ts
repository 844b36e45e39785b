/**
 * A CloudFront emulator speaking the REST/XML API 2020-05-31 that `@aws-sdk/client-cloudfront`
 * accepts: CreateInvalidation, GetInvalidation, ListInvalidations, with CloudFront's limits,
 * its errors, invalidations that complete after a delay, and injectable faults.
 *
 *   const cf = await startCloudFrontEmulator({ distributions: ['E2TEST'] })
 *   new CloudFrontClient({ endpoint: cf.url, region: 'us-east-1', credentials })
 */
import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type HttpBindings, serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import {
  type CompletedListener,
  createDistributions,
  type DistributionOptions,
  type Distributions,
} from './cloudfront-distributions.ts'
import { createFaults, type Faults, type ThrottleOptions } from './cloudfront-faults.ts'
import { ApiError, type CloudFrontStats, type DistributionLimits } from './cloudfront-model.ts'
import {
  errorXml,
  invalidationListXml,
  invalidationXml,
  parseInvalidationBatch,
} from './cloudfront-xml.ts'

export type { CompletedInvalidation, CompletedListener } from './cloudfront-distributions.ts'
export type { CloudFrontStats, Distribution, Invalidation } from './cloudfront-model.ts'

export interface CloudFrontEmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one, kept across stop()/start(). */
  port?: number
  /** Distribution ids (default `['EDFDVBD6EXAMPLE']`), or ids with their own settings. */
  distributions?: string[] | Record<string, DistributionOptions>
  /** Default limits per distribution: 3,000 paths and 15 wildcards in progress. */
  limits?: Partial<DistributionLimits>
  /** How long an invalidation stays InProgress (default 1,000 ms). */
  completeAfterMs?: number
  throttle?: ThrottleOptions
}

type Env = { Bindings: HttpBindings }
const XML = { 'content-type': 'text/xml' }

function xmlError(c: Context<Env>, error: ApiError, stats: CloudFrontStats): Response {
  stats.errorsByCode[error.code] = (stats.errorsByCode[error.code] ?? 0) + 1
  const body = errorXml(error.code, error.message, randomUUID())
  return c.body(body, error.status as 400, XML)
}

/** A path parameter Hono matched (the route guarantees it). */
const param = (c: Context<Env>, name: string): string => c.req.param(name) ?? ''

function handled(
  distributions: Distributions,
  faults: Faults,
  operation: string,
  handler: (c: Context<Env>) => Promise<Response> | Response,
) {
  return async (c: Context<Env>): Promise<Response> => {
    const { stats } = distributions
    stats.callsByOperation[operation] = (stats.callsByOperation[operation] ?? 0) + 1
    try {
      const fault = faults.beforeCall()
      if (fault) throw fault
      return await handler(c)
    } catch (error) {
      if (error instanceof ApiError) return xmlError(c, error, stats)
      throw error
    }
  }
}

function buildApp(distributions: Distributions, faults: Faults, baseUrl: () => string) {
  const app = new Hono<Env>()
  const base = '/2020-05-31/distribution/:id/invalidation'

  app.post(
    base,
    handled(distributions, faults, 'CreateInvalidation', async (c) => {
      const id = param(c, 'id')
      distributions.mustFind(id)
      const batch = parseInvalidationBatch(await c.req.text())
      const { invalidation, created } = distributions.create(id, batch.callerReference, batch.items)
      if (created && faults.dropThisAnswer()) {
        // The crash-between-create-and-answer case: the invalidation exists, the caller never hears.
        c.env.incoming.socket.destroy()
        return new Response(null, { status: 500 })
      }
      const location = `${baseUrl()}/2020-05-31/distribution/${id}/invalidation/${invalidation.id}`
      return c.body(invalidationXml(invalidation), 201, { ...XML, location })
    }),
  )

  app.get(
    `${base}/:invalidation`,
    handled(distributions, faults, 'GetInvalidation', (c) => {
      const invalidation = distributions.get(param(c, 'id'), param(c, 'invalidation'))
      return c.body(invalidationXml(invalidation), 200, XML)
    }),
  )

  app.get(
    base,
    handled(distributions, faults, 'ListInvalidations', (c) => {
      const all = distributions.mustFind(param(c, 'id')).invalidations
      const marker = c.req.query('Marker') ?? ''
      const maxItems = Math.min(Math.max(Number(c.req.query('MaxItems') ?? 100) || 100, 1), 1000)
      const start = marker ? all.findIndex((i) => i.id === marker) + 1 : 0
      const items = all.slice(start, start + maxItems)
      const more = start + maxItems < all.length
      const nextMarker = more ? items.at(-1)?.id : undefined
      return c.body(invalidationListXml({ marker, nextMarker, maxItems, items }), 200, XML)
    }),
  )
  return app
}

function listen(app: Hono<Env>, port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () =>
      resolve(server as Server),
    )
  })
}

function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

function addDistributions(
  distributions: Distributions,
  option: CloudFrontEmulatorOptions['distributions'],
) {
  const entries = Array.isArray(option)
    ? option.map((id) => [id, {}] as const)
    : Object.entries(option ?? { EDFDVBD6EXAMPLE: {} })
  for (const [id, settings] of entries) distributions.add(id, settings)
}

export async function startCloudFrontEmulator(options: CloudFrontEmulatorOptions = {}) {
  const distributions = createDistributions({
    completeAfterMs: options.completeAfterMs ?? 1000,
    limits: { maxPathsInProgress: 3000, maxWildcardsInProgress: 15, ...options.limits },
  })
  addDistributions(distributions, options.distributions)
  const faults = createFaults()
  if (options.throttle) faults.throttle(options.throttle)
  let port = options.port ?? 0
  const url = () => `http://127.0.0.1:${port}`
  const app = buildApp(distributions, faults, url)
  let server: Server | undefined = await listen(app, port)
  port = (server.address() as AddressInfo).port

  return {
    url: url(),
    app,
    stats: distributions.stats,
    faults,
    distributions: {
      get: (id: string) => distributions.all().find((d) => d.id === id),
      add: (id: string, settings?: DistributionOptions) => distributions.add(id, settings),
      all: () => distributions.all(),
    },
    /** Subscribe to completed invalidations (the caching edge does); returns unsubscribe. */
    onCompleted: (listener: CompletedListener) => distributions.onCompleted(listener),
    /** Completes everything in progress now. */
    completeAll: () => distributions.completeAll(),
    /** Stops answering (connections refused); state and timers carry on. */
    async stop(): Promise<void> {
      if (server) await shutdown(server)
      server = undefined
    },
    /** Answers again on the same port, with the state it had. */
    async start(): Promise<void> {
      if (!server) server = await listen(app, port)
    },
    async close(): Promise<void> {
      distributions.dispose()
      if (server) await shutdown(server)
      server = undefined
    },
  }
}

export type CloudFrontEmulator = Awaited<ReturnType<typeof startCloudFrontEmulator>>
