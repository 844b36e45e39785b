import { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { cloudFrontLimits } from '../../core/cdn-chunks.ts'
import { targetContract } from '../contract.ts'
import { cloudFrontTarget } from './target.ts'

const DIST = 'E2CONTRACT'

targetContract(
  'cloudfront',
  async () => {
    const emulator = await startCloudFrontEmulator({
      distributions: { [DIST]: { tags: true } },
      completeAfterMs: 60_000,
    })
    // One attempt per SDK call: freshet's own retries are what the contract checks.
    const client = new CloudFrontClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    })
    const items = () =>
      (emulator.distributions.get(DIST)?.invalidations ?? []).flatMap((i) => i.items)
    const { errorsByCode } = emulator.stats
    return {
      target: cloudFrontTarget({ client, distributionId: DIST }),
      // CloudFront's permanent refusal: the distribution is not in this account.
      refused: cloudFrontTarget({ client, distributionId: 'E2NOTHERE' }),
      purged: items,
      accepted: () => emulator.stats.invalidationsCreated,
      overLimit: () => (errorsByCode.BatchTooLarge ?? 0) + (errorsByCode.InvalidArgument ?? 0),
      throttleNext: (count) => emulator.faults.failNext(count, 'Throttling'),
      failNext: (count) => emulator.faults.failNext(count),
      complete: () => emulator.completeAll(),
      async teardown() {
        client.destroy()
        await emulator.close()
      },
    }
  },
  { tags: true, wildcards: true, tracked: true, idempotent: true, limits: cloudFrontLimits },
)
