/**
 * The CloudFront target: one distribution, through the client it is given.
 *
 *   cloudFrontTarget({ client: new CloudFrontClient({}), distributionId: 'E2ABCDEF123456' })
 *
 * The client follows the standard AWS credential chain and region; `AWS_ENDPOINT_URL_CLOUDFRONT`
 * (read by the SDK) points it at another endpoint. The SDK retries Throttling and 5xx itself;
 * what still fails arrives as a `CdnError` saying whether waiting can help.
 */
import {
  type CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  type Invalidation,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront'
import { z } from 'zod'
import { type CdnLimits, cloudFrontLimits, loadOf } from '../../core/cdn-chunks.ts'
import { edgeTagsOption } from '../edge-tags.ts'
import { CdnError, type CdnLoad, type CdnTarget, type InvalidationState } from '../types.ts'
import { toCdnError } from './errors.ts'

export const cloudFrontOptions = z
  .strictObject({
    distributionId: z
      .string()
      .regex(/^[A-Z0-9]+$/, 'a CloudFront distribution id is upper-case letters and digits')
      .describe('CloudFront distribution id, e.g. E2ABCDEF123456.'),
    maxPathsInProgress: z
      .number()
      .int()
      .min(1)
      .default(3000)
      .describe(
        'Paths (and #tags) CloudFront allows in progress per distribution; also the chunk size.',
      ),
    maxWildcardsInProgress: z
      .number()
      .int()
      .min(1)
      .default(15)
      .describe('Wildcard paths (/a*) CloudFront allows in progress per distribution.'),
    tags: z
      .boolean()
      .default(false)
      .describe('The distribution has a cache-tag header configured: purge tags as #tag items.'),
    edgeTags: edgeTagsOption,
    rscVariants: z
      .boolean()
      .default(false)
      .describe(
        'The cache key includes the query string: also purge <path>?_rsc=* (Next.js client ' +
          'navigation). Each is a wildcard; prefer a cache key on the RSC headers.',
      ),
    collapse: z
      .number()
      .int()
      .min(2)
      .optional()
      .describe(
        'When this many paths share a parent folder, purge <folder>/* instead (one billed path).',
      ),
    widen: z
      .boolean()
      .default(true)
      .describe(
        'When a burst cannot complete within maxDelaySeconds under the in-progress limits, group its paths into folder wildcards (/articles/*), each a plan note saying why and what it costs, instead of queueing behind the limits.',
      ),
    maxDelaySeconds: z
      .number()
      .positive()
      .default(120)
      .describe(
        'The longest a batch should take from its webhook to Completed; past it, paths are widened (widen).',
      ),
    allowSiteWide: z
      .boolean()
      .default(false)
      .describe(
        'Widening may purge the whole site (/*) when no narrower set of wildcards fits. Off: the batch is widened as far as folders allow and may take longer.',
      ),
    pollInitialMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('First delay before GetInvalidation; doubles from here.'),
    pollMaxMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Longest delay between GetInvalidation calls.'),
    deadlineMinutes: z
      .number()
      .positive()
      .default(15)
      .describe('An invalidation not Completed by then fails the batch (it can be retried).'),
    monthlyPathBudget: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe(
        'Paths a calendar month you budget for this distribution (CloudFront bills past 1,000 free ones). Exported as freshet_cloudfront_month_path_budget; the FreshetCloudFrontPathsNearBudget alert fires at 80 % of it.',
      ),
  })
  .describe('One CloudFront distribution.')

export type CloudFrontOptions = z.infer<typeof cloudFrontOptions>

export interface CloudFrontTargetOptions {
  client: CloudFrontClient
  distributionId: string
  /** Paths and wildcards per invalidation and in progress (default: CloudFront's 3,000 and 15). */
  limits?: CdnLimits
}

/** `CdnLoad` plus the CallerReferences in progress, so a re-submission need not wait for room. */
export interface CloudFrontLoad extends CdnLoad {
  callerReferences: string[]
}

function stateOf(
  invalidation: Invalidation | undefined,
  distributionId: string,
): InvalidationState {
  if (!invalidation?.Id) {
    throw new CdnError(`[freshet] [cloudfront] ${distributionId}: answer without an invalidation`, {
      code: 'MalformedAnswer',
      retryable: true,
    })
  }
  return {
    id: invalidation.Id,
    status: invalidation.Status === 'Completed' ? 'Completed' : 'InProgress',
  }
}

interface Detail {
  items: string[]
  callerReference: string
}

/** A CloudFront distribution as a `CdnTarget`; its `load()` also names what is in progress. */
export interface CloudFrontTarget extends CdnTarget {
  load(signal: AbortSignal): Promise<CloudFrontLoad>
}

export function cloudFrontTarget(options: CloudFrontTargetOptions): CloudFrontTarget {
  const { client, distributionId } = options
  // Batches never change, so the detail of an invalidation is read once while it is in progress.
  let details = new Map<string, Detail>()

  async function send<T>(
    operation: string,
    signal: AbortSignal,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw toCdnError(error, { distributionId, operation, signal })
    }
  }

  async function detail(id: string, signal: AbortSignal): Promise<Detail> {
    const known = details.get(id)
    if (known) return known
    const answer = await send('GetInvalidation', signal, () =>
      client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }), {
        abortSignal: signal,
      }),
    )
    const batch = answer.Invalidation?.InvalidationBatch
    return { items: batch?.Paths?.Items ?? [], callerReference: batch?.CallerReference ?? '' }
  }

  async function inProgressIds(signal: AbortSignal): Promise<string[]> {
    const ids: string[] = []
    let marker: string | undefined
    do {
      const answer = await send('ListInvalidations', signal, () =>
        client.send(
          new ListInvalidationsCommand({
            DistributionId: distributionId,
            Marker: marker,
            MaxItems: 100,
          }),
          { abortSignal: signal },
        ),
      )
      const list = answer.InvalidationList
      const running = (list?.Items ?? []).filter((i) => i.Status !== 'Completed' && i.Id)
      ids.push(...running.map((i) => i.Id ?? ''))
      // Newest first: once a whole page has nothing in progress, the older ones are done too.
      if (running.length === 0) break
      marker = list?.IsTruncated ? list.NextMarker : undefined
    } while (marker)
    return ids
  }

  return {
    name: 'cloudfront',
    distributionId,
    limits: options.limits ?? cloudFrontLimits,
    layer: 2,
    async create(request, signal) {
      const answer = await send('CreateInvalidation', signal, () =>
        client.send(
          new CreateInvalidationCommand({
            DistributionId: distributionId,
            InvalidationBatch: {
              CallerReference: request.callerReference,
              Paths: { Quantity: request.items.length, Items: request.items },
            },
          }),
          { abortSignal: signal },
        ),
      )
      return stateOf(answer.Invalidation, distributionId)
    },
    async get(invalidationId, signal) {
      const answer = await send('GetInvalidation', signal, () =>
        client.send(
          new GetInvalidationCommand({ DistributionId: distributionId, Id: invalidationId }),
          {
            abortSignal: signal,
          },
        ),
      )
      return stateOf(answer.Invalidation, distributionId)
    },
    async load(signal) {
      const ids = await inProgressIds(signal)
      const current = new Map<string, Detail>()
      for (const id of ids) current.set(id, await detail(id, signal))
      details = current
      const all = [...current.values()]
      const load = loadOf(all.flatMap((d) => d.items))
      return { ...load, callerReferences: all.map((d) => d.callerReference) }
    },
  }
}
