import { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import type { Config } from './config/schema.ts'
import type { CdnDistribution } from './pipeline/context.ts'
import type { Lifecycle } from './pipeline/lifecycle.ts'
import { akamaiTarget } from './targets/akamai/target.ts'
import { errorText, noteAttempt } from './targets/attempts.ts'
import { cloudflareTarget } from './targets/cloudflare/target.ts'
import { cloudFrontTarget } from './targets/cloudfront/target.ts'
import { fastlyTarget } from './targets/fastly/target.ts'
import { varnishTargetFor } from './targets/varnish/target.ts'

const listOf = <T>(raw: T | T[] | undefined): T[] =>
  raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]

/** Defaults of the tracking knobs for layers whose purges complete at once. */
const immediate = { pollInitialMs: 1000, pollMaxMs: 10_000, deadlineMinutes: 15 }

/**
 * The configured cache layers, inner first (Varnish, then the CDNs). The AWS SDK finds
 * credentials, region and `AWS_ENDPOINT_URL_CLOUDFRONT` itself; a middleware reports every call
 * for the metrics.
 */
export function createDistributions(
  config: Config,
  lifecycle: Lifecycle,
): { distributions: CdnDistribution[]; close(): void } {
  const varnish: CdnDistribution[] = listOf(config.cdn?.varnish).map((options) => ({
    target: varnishTargetFor(options),
    maxPathsInProgress: 1000,
    maxWildcardsInProgress: 100,
    tags: options.tags,
    edgeTags: options.edgeTags,
    // The VCL purges every variant of a page (its `path:` key), ?_rsc=… included.
    rscVariants: false,
    ...immediate,
  }))
  // Instant-purge CDNs: chunked by the target itself under the API's per-request limits.
  const cloudflare: CdnDistribution[] = listOf(config.cdn?.cloudflare).map((options) => ({
    target: cloudflareTarget(options),
    maxPathsInProgress: 1000,
    maxWildcardsInProgress: 1000,
    tags: options.tags,
    edgeTags: options.edgeTags,
    rscVariants: false,
    ...immediate,
  }))
  const fastly: CdnDistribution[] = listOf(config.cdn?.fastly).map((options) => ({
    target: fastlyTarget(options),
    maxPathsInProgress: 256,
    maxWildcardsInProgress: 1,
    tags: options.tags,
    edgeTags: options.edgeTags,
    rscVariants: false,
    ...immediate,
  }))
  // Fast Purge: tracked by estimatedSeconds (usually about 5 s).
  const akamai: CdnDistribution[] = listOf(config.cdn?.akamai).map((options) => ({
    target: akamaiTarget(options),
    maxPathsInProgress: 500,
    maxWildcardsInProgress: 1,
    tags: options.tags,
    edgeTags: options.edgeTags,
    rscVariants: false,
    ...immediate,
  }))
  const cloudfront = createCloudFront(config, lifecycle)
  const layers = [...varnish, ...cloudfront.distributions, ...cloudflare, ...fastly, ...akamai]
  const distributions = layers.sort((a, b) => a.target.layer - b.target.layer)
  return { distributions, close: cloudfront.close }
}

/** Counts one attempt of a CloudFront call: ok, or the error code the SDK deserialized. */
async function counted<T>(
  lifecycle: Lifecycle,
  input: unknown,
  commandName: string | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const base = {
    distributionId: (input as { DistributionId?: string }).DistributionId ?? '',
    operation: String(commandName ?? 'unknown').replace(/Command$/, ''),
  }
  const started = Date.now()
  const at = new Date(started).toISOString()
  try {
    const result = await attempt()
    lifecycle.emit('cdn:call', { ...base, outcome: 'ok' })
    noteAttempt({ at, ms: Date.now() - started, ok: true })
    return result
  } catch (error) {
    lifecycle.emit('cdn:call', { ...base, outcome: (error as Error).name || 'error' })
    noteAttempt({ at, ms: Date.now() - started, ok: false, error: errorText(error) })
    throw error
  }
}

function createCloudFront(config: Config, lifecycle: Lifecycle) {
  const list = listOf(config.cdn?.cloudfront)
  if (list.length === 0) return { distributions: [], close: () => {} }
  // CloudFront is a global service whose API lives in us-east-1.
  const client = new CloudFrontClient({ region: process.env.AWS_REGION ?? 'us-east-1' })
  client.middlewareStack.add(
    (next, context) => (args) =>
      counted(lifecycle, args.input, context.commandName, () => next(args)),
    {
      // Inside the SDK's retry loop (its retry middleware is at this step, priority high) and
      // outside deserialize, so every attempt is counted with its error code.
      step: 'finalizeRequest',
      priority: 'low',
      name: 'freshetCallMetrics',
    },
  )
  const distributions: CdnDistribution[] = list.map((options) => ({
    target: cloudFrontTarget({
      client,
      distributionId: options.distributionId,
      limits: {
        maxPaths: options.maxPathsInProgress,
        maxWildcards: options.maxWildcardsInProgress,
      },
    }),
    maxPathsInProgress: options.maxPathsInProgress,
    maxWildcardsInProgress: options.maxWildcardsInProgress,
    tags: options.tags,
    edgeTags: options.edgeTags,
    rscVariants: options.rscVariants,
    collapse: options.collapse,
    pollInitialMs: options.pollInitialMs,
    pollMaxMs: options.pollMaxMs,
    deadlineMinutes: options.deadlineMinutes,
    widening: options.widen
      ? {
          maxDelaySeconds: options.maxDelaySeconds,
          allowSiteWide: options.allowSiteWide,
          completions: [],
        }
      : undefined,
  }))
  return { distributions, close: () => client.destroy() }
}
