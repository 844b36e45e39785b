import { describe, expect, it } from 'vitest'
import { submitInvalidations } from '../targets/submit.ts'
import type { CdnTarget } from '../targets/types.ts'
import { inLayers, untilCompleted } from './cdn-layers.ts'
import type { CdnDistribution } from './context.ts'

const signal = new AbortController().signal
const schedule = { initialMs: 5, maxMs: 20 }

/** A layer that records every call in `log`; `polls` gets before it reports Completed. */
function recordingTarget(name: string, layer: number, polls: number, log: string[]): CdnTarget {
  let left = polls
  return {
    name,
    distributionId: name,
    limits: { maxPaths: 100, maxWildcards: 10 },
    layer,
    async create(request) {
      log.push(`${name}:create`)
      return { id: `${name}:${request.callerReference}`, status: 'InProgress' }
    },
    async get(id) {
      // Slow on purpose: an outer layer called meanwhile would be logged before this answers.
      await new Promise((resolve) => setImmediate(resolve))
      left -= 1
      const status = left <= 0 ? 'Completed' : 'InProgress'
      log.push(`${name}:get:${status}`)
      return { id, status }
    },
  }
}

const distribution = (target: CdnTarget): CdnDistribution => ({
  target,
  maxPathsInProgress: 100,
  maxWildcardsInProgress: 10,
  tags: false,
  rscVariants: false,
  pollInitialMs: 5,
  pollMaxMs: 20,
  deadlineMinutes: 1,
})

async function run(distributions: CdnDistribution[]) {
  await inLayers(
    distributions,
    async ({ target }) => {
      const records = await submitInvalidations({
        target,
        batchId: 'b',
        items: ['/a'],
        limits: target.limits,
        signal,
      })
      return records.filter((r) => r.status !== 'Completed').map((r) => r.invalidationId)
    },
    ({ target }, ids) => untilCompleted(target, ids, schedule, signal, async () => {}),
  )
}

describe('cache layers in order', () => {
  it('purges and confirms the inner layer (Varnish) before any outer layer is called', async () => {
    const log: string[] = []
    // Given outer first, as a config might list them.
    await run([
      distribution(recordingTarget('cloudfront', 2, 1, log)),
      distribution(recordingTarget('varnish', 1, 3, log)),
      distribution(recordingTarget('cloudflare', 2, 1, log)),
    ])
    expect(log).toEqual([
      'varnish:create',
      'varnish:get:InProgress',
      'varnish:get:InProgress',
      'varnish:get:Completed',
      'cloudfront:create',
      'cloudflare:create',
    ])
  })

  it('confirms every layer but the outermost, which the track stage follows', async () => {
    const log: string[] = []
    await run([
      distribution(recordingTarget('cdn', 3, 1, log)),
      distribution(recordingTarget('varnish', 1, 2, log)),
      distribution(recordingTarget('shield', 2, 2, log)),
    ])
    expect(log).toEqual([
      'varnish:create',
      'varnish:get:InProgress',
      'varnish:get:Completed',
      'shield:create',
      'shield:get:InProgress',
      'shield:get:Completed',
      'cdn:create',
    ])
  })
})
