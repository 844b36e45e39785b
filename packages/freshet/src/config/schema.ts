import { MAX_ITEMS } from '@freshet/next/protocol'
import { z } from 'zod'
import { routesConfig } from '../core/routes.ts'
import { discoveryConfig } from '../discovery/index.ts'
import { plannerConfig } from '../planner/config.ts'
import { contentfulSourceOptions } from '../sources/contentful/webhook.ts'
import { directusSourceOptions } from '../sources/directus/webhook.ts'
import { reconcileConfig } from '../sources/reconcile.ts'
import { akamaiOptions } from '../targets/akamai/target.ts'
import { cloudflareOptions } from '../targets/cloudflare/target.ts'
import { cloudFrontOptions } from '../targets/cloudfront/target.ts'
import { fastlyOptions } from '../targets/fastly/target.ts'
import { varnishOptions } from '../targets/varnish/target.ts'

/**
 * freshet's configuration: every key, its default and its documentation live here. The JSON
 * Schema (`freshet config schema`) and the README's reference are generated from this.
 */

// PostgreSQL connection URL (postgres: or postgresql:) with a host; empty means embedded.
function isPostgresUrlOrEmpty(value: string): boolean {
  if (value === '') return true
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== ''
}

const secret = (what: string) => z.string().min(1).describe(what)

const durationMs = (what: string, value: number) =>
  z.number().int().nonnegative().default(value).describe(what)

export const serverSchema = z
  .strictObject({
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8787)
      .describe('Port the HTTP server listens on.'),
    host: z.string().default('0.0.0.0').describe('Address the HTTP server binds.'),
    adminToken: z
      .string()
      .optional()
      .describe('Bearer token for the admin API and the web page. Without it, they answer 401.'),
    shutdownGraceMs: durationMs(
      'On SIGTERM, how long in-flight work may take before it is handed back.',
      10_000,
    ),
    pipelineThread: z
      .enum(['auto', 'main'])
      .default('auto')
      .describe(
        'auto: with PostgreSQL the pipeline runs in a worker thread of its own, so planning a large batch never delays a webhook’s answer (the embedded store is opened by one thread, so with it the pipeline shares the main thread). main: always the main thread.',
      ),
  })
  .describe('The HTTP server.')

export const storeSchema = z
  .strictObject({
    url: z
      .string()
      .refine(isPostgresUrlOrEmpty, {
        message: 'expected postgres://USER:PASSWORD@HOST:5432/DATABASE, or nothing (embedded)',
        abort: true,
      })
      .optional()
      .describe(
        'postgres://… to use PostgreSQL (several replicas), e.g. postgres://freshet:PASSWORD@db:5432/freshet. Empty or absent: embedded PGlite.',
      ),
    dir: z.string().default('./.freshet').describe('Folder of the embedded store.'),
    connectRetrySeconds: z
      .number()
      .int()
      .nonnegative()
      .default(60)
      .describe(
        'At start, how long to keep trying a PostgreSQL that does not answer yet (refused, unknown host, starting up), with backoff; then freshet exits saying why.',
      ),
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('freshet')
      .describe('Schema of freshet’s tables (PostgreSQL).'),
  })
  .describe('Where events and jobs are kept.')

export const genericSourceSchema = z
  .strictObject({
    token: secret('Bearer token the sender presents: `Authorization: Bearer <token>`.'),
  })
  .describe('POST /hooks/generic {"paths": [...], "tags": [...]}.')

export const sourcesSchema = z
  .strictObject({
    generic: genericSourceSchema.optional(),
    directus: directusSourceOptions
      .optional()
      .describe('POST /hooks/directus, from a Directus Flow.'),
    contentful: contentfulSourceOptions
      .optional()
      .describe('POST /hooks/contentful, signed requests.'),
  })
  .default({})
  .describe('Webhook sources. A source that is absent answers 404.')

export const retrySchema = z
  .strictObject({
    attempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe('Attempts per pod before the pods stage gives up for this round.'),
    initialDelayMs: durationMs('First retry delay; doubles each attempt, with jitter.', 200),
    maxDelayMs: durationMs('Longest retry delay.', 5_000),
    timeoutMs: durationMs('Per-attempt timeout of one pod call.', 10_000),
  })
  .describe('Retries of one pod call.')

export const podsSchema = z
  .strictObject({
    token: secret('Bearer token the pods expect on /api/revalidate.'),
    discovery: discoveryConfig,
    retry: retrySchema.default(retrySchema.parse({})),
    concurrency: z
      .number()
      .int()
      .min(1)
      .default(256)
      .describe('Pods called at once; a round takes about one pod’s time up to this many pods.'),
    itemsPerRequest: z
      .number()
      .int()
      .min(1)
      .max(MAX_ITEMS)
      .default(250)
      .describe(
        'Paths and tags sent to a pod in one request; larger batches go in several, one after the other.',
      ),
    stageAttempts: z
      .number()
      .int()
      .min(1)
      .default(4)
      .describe('Times the whole pods stage is retried (with backoff) before the event fails.'),
    fanout: z
      .enum(['every', 'one'])
      .default('every')
      .describe(
        'every: each batch goes to every pod (each keeps its own cache). one: for sites whose pods share one cache handler (e.g. Redis): each batch goes to one pod (the next if it fails) and the others are recorded "skipped: shared cache".',
      ),
  })
  .describe('The Next.js pods. Absent: the pods stage is skipped.')

export const cdnSchema = z
  .strictObject({
    cloudfront: z
      .union([cloudFrontOptions, z.array(cloudFrontOptions).min(1)])
      .optional()
      .describe('A distribution, or a list of them.'),
    varnish: z
      .union([varnishOptions, z.array(varnishOptions).min(1)])
      .optional()
      .describe('Varnish in the cluster (purged before the CDNs), or a list of them.'),
    cloudflare: z
      .union([cloudflareOptions, z.array(cloudflareOptions).min(1)])
      .optional()
      .describe('A Cloudflare zone, or a list of them.'),
    fastly: z
      .union([fastlyOptions, z.array(fastlyOptions).min(1)])
      .optional()
      .describe('A Fastly service, or a list of them.'),
    akamai: z
      .union([akamaiOptions, z.array(akamaiOptions).min(1)])
      .optional()
      .describe('An Akamai property (Fast Purge v3, EdgeGrid), or a list of them.'),
  })
  .describe(
    'The cache layers in front of the pods. Inner layers (Varnish) are purged and confirmed before outer ones (CDNs). Absent: the cdn stage is skipped.',
  )

export const configSchema = z
  .strictObject({
    server: serverSchema.default(serverSchema.parse({})),
    store: storeSchema.default(storeSchema.parse({})),
    sources: sourcesSchema,
    routes: routesConfig,
    planner: plannerConfig.prefault({}),
    pods: podsSchema.optional(),
    cdn: cdnSchema.optional(),
    reconcile: reconcileConfig.prefault({}),
  })
  .describe('freshet configuration (freshet.yaml).')

export type Config = z.infer<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>
