/**
 * The loop freshet replaces, for the benches to compare against: one CreateInvalidation per
 * changed item, 32 calls at a time, each refusal counted by its error name and not retried.
 */
import { type CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront'
import pLimit from 'p-limit'

export async function invalidateOneByOne(options: {
  cf: CloudFrontClient
  distributionId: string
  count: number
  paths: (i: number) => string[]
  /** Waits until item `i` is due (a burst spread over time), if given. */
  due?: (i: number) => Promise<void>
}): Promise<Record<string, number>> {
  const limit = pLimit(32)
  const failures: Record<string, number> = {}
  await Promise.all(
    Array.from({ length: options.count }, (_, i) =>
      limit(async () => {
        await options.due?.(i)
        const items = options.paths(i)
        const batch = {
          CallerReference: `naive-${i}`,
          Paths: { Quantity: items.length, Items: items },
        }
        try {
          await options.cf.send(
            new CreateInvalidationCommand({
              DistributionId: options.distributionId,
              InvalidationBatch: batch,
            }),
          )
        } catch (error) {
          const name = (error as Error).name
          failures[name] = (failures[name] ?? 0) + 1
        }
      }),
    ),
  )
  return failures
}
