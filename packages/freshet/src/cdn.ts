import { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import type { Config } from './config/schema.ts'
import type { CdnDistribution } from './pipeline/context.ts'
import type { Lifecycle } from './pipeline/lifecycle.ts'
import { cloudFrontTarget } from './targets/cloudfront/target.ts'

/**
 * The configured distributions. The SDK finds credentials, region and
 * `AWS_ENDPOINT_URL_CLOUDFRONT` itself; a middleware reports every call for the metrics.
 */
export function createDistributions(
  config: Config,
  lifecycle: Lifecycle,
): { distributions: CdnDistribution[]; close(): void } {
  const raw = config.cdn?.cloudfront
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  if (list.length === 0) return { distributions: [], close: () => {} }
  // CloudFront is a global service whose API lives in us-east-1.
  const client = new CloudFrontClient({ region: process.env.AWS_REGION ?? 'us-east-1' })
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const base = {
        distributionId: '',
        operation: String(context.commandName ?? 'unknown').replace(/Command$/, ''),
      }
      try {
        const result = await next(args)
        lifecycle.emit('cdn:call', { ...base, outcome: 'ok' })
        return result
      } catch (error) {
        lifecycle.emit('cdn:call', { ...base, outcome: (error as Error).name || 'error' })
        throw error
      }
    },
    { step: 'initialize', name: 'freshetCallMetrics' },
  )
  const distributions = list.map((options) => ({
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
    rscVariants: options.rscVariants,
    collapse: options.collapse,
    pollInitialMs: options.pollInitialMs,
    pollMaxMs: options.pollMaxMs,
    deadlineMinutes: options.deadlineMinutes,
  }))
  return { distributions, close: () => client.destroy() }
}
