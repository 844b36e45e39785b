/**
 * A publish burst against the CloudFront emulator, through the real AWS SDK: 10,000 changed items,
 * two paths each (20,000 paths), invalidations completing after 5 s, 10% of calls throttled.
 * Run: `node bench/cloudfront-burst.ts`. Prints a markdown table comparing:
 *
 * - freshet: items normalised, chunked under the limits, submitted waiting for room, tracked
 *   with the backing-off poll until every invalidation is Completed;
 * - freshet + collapse: the same with `collapse: 100` (shared folders become one wildcard);
 * - naive: one CreateInvalidation per item (2 paths), 32 at a time, no waiting for room.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import {
  type CloudFrontEmulator,
  startCloudFrontEmulator,
} from '../packages/emulators/src/cloudfront.ts'
import { cloudFrontLimits, pollDelayMs } from '../packages/freshet/src/core/cdn-chunks.ts'
import { cdnItems } from '../packages/freshet/src/core/cdn-items.ts'
import { cloudFrontTarget } from '../packages/freshet/src/targets/cloudfront/target.ts'
import { checkInvalidations, submitInvalidations } from '../packages/freshet/src/targets/submit.ts'
import { CdnError, type CdnTarget } from '../packages/freshet/src/targets/types.ts'
import { invalidateOneByOne } from './lib/naive-cloudfront.ts'

const ITEMS = 10_000
const COMPLETE_AFTER_MS = 5000
const THROTTLE = 0.1
const DIST = 'E2BENCH'
const signal = new AbortController().signal

interface Row {
  approach: string
  calls: string
  errors: string
  peak: string
  surfaced: number
  completedS: string
  billed: number
  invalidations: number
  missed: number
}

const itemPaths = (i: number) => [`/articles/article-${i}`, `/en/articles/article-${i}`]

const client = (emulator: CloudFrontEmulator) =>
  new CloudFrontClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  })

const summary = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([name, count]) => `${name.replace(/Invalidations?/, 'I')} ${count}`)
    .join(', ') || '0'

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)

/** Counts the CdnErrors freshet's code sees (after the SDK's own retries). */
function counting(target: CdnTarget, seen: { throttling: number }): CdnTarget {
  const watch = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (error) {
      if (error instanceof CdnError && error.code === 'Throttling') seen.throttling += 1
      throw error
    }
  }
  const load = target.load?.bind(target)
  return {
    name: target.name,
    distributionId: target.distributionId,
    limits: target.limits,
    layer: target.layer,
    create: (request, s) => watch(() => target.create(request, s)),
    get: (id, s) => watch(() => target.get(id, s)),
    ...(load ? { load: (s: AbortSignal) => watch(() => load(s)) } : {}),
  }
}

async function untilCompleted(target: CdnTarget, ids: string[]) {
  for (let attempt = 0; ; attempt++) {
    const states = await checkInvalidations(target, ids, signal)
    if (states.every((s) => s.status === 'Completed')) return
    await sleep(pollDelayMs(attempt, { initialMs: 1000, maxMs: 10_000 }))
  }
}

async function runFreshet(approach: string, collapse?: number): Promise<Row> {
  const emulator = await startCloudFrontEmulator({
    distributions: [DIST],
    completeAfterMs: COMPLETE_AFTER_MS,
    throttle: { fraction: THROTTLE, seed: 2026 },
  })
  const seen = { throttling: 0 }
  const target = counting(
    cloudFrontTarget({ client: client(emulator), distributionId: DIST }),
    seen,
  )
  const paths = Array.from({ length: ITEMS }, (_, i) => itemPaths(i)).flat()
  const { items } = cdnItems({ paths, tags: [] }, { collapse })
  const started = performance.now()
  let surfaced = 0
  try {
    const records = await submitInvalidations({
      target,
      batchId: 'burst',
      items,
      limits: cloudFrontLimits,
      signal,
    })
    await untilCompleted(
      target,
      records.map((r) => r.invalidationId),
    )
  } catch {
    surfaced += 1
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  await emulator.close()
  const { stats } = emulator
  return {
    approach,
    calls: `${total(stats.callsByOperation)} (${summary(stats.callsByOperation)})`,
    errors: summary(stats.errorsByCode),
    peak: `${stats.peakPathsInProgress} / ${stats.peakWildcardsInProgress}`,
    surfaced: seen.throttling,
    completedS: surfaced === 0 ? seconds : `failed after ${seconds}`,
    billed: stats.pathsBilled,
    invalidations: stats.invalidationsCreated,
    missed: 0,
  }
}

async function runNaive(): Promise<Row> {
  const emulator = await startCloudFrontEmulator({
    distributions: [DIST],
    completeAfterMs: COMPLETE_AFTER_MS,
    throttle: { fraction: THROTTLE, seed: 2026 },
  })
  const cf = client(emulator)
  const started = performance.now()
  const failures = await invalidateOneByOne({
    cf,
    distributionId: DIST,
    count: ITEMS,
    paths: itemPaths,
  })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  await emulator.close()
  const { stats } = emulator
  const missed = total(failures)
  return {
    approach: 'naive (1 call per item)',
    calls: `${total(stats.callsByOperation)} (${summary(stats.callsByOperation)})`,
    errors: summary(stats.errorsByCode),
    peak: `${stats.peakPathsInProgress} / ${stats.peakWildcardsInProgress}`,
    surfaced: failures.Throttling ?? 0,
    completedS: missed > 0 ? `never (calls done in ${seconds})` : seconds,
    billed: stats.pathsBilled,
    invalidations: stats.invalidationsCreated,
    missed,
  }
}

function table(rows: Row[]): string {
  const head =
    '| approach | API calls | error answers (by code) | peak in progress (paths / wildcards) | throttling surfaced | s to all Completed | paths billed | invalidations | items not invalidated |'
  const line = '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'
  const body = rows.map(
    (r) =>
      `| ${r.approach} | ${r.calls} | ${r.errors} | ${r.peak} | ${r.surfaced} | ${r.completedS} | ${r.billed} | ${r.invalidations} | ${r.missed} |`,
  )
  return [head, line, ...body].join('\n')
}

const rows = [
  await runFreshet('freshet (chunked, waits for room)'),
  await runFreshet('freshet + collapse: 100', 100),
  ...(process.argv.includes('--no-naive') ? [] : [await runNaive()]),
]
console.log(
  `${ITEMS} items, ${ITEMS * 2} paths; invalidations complete after ${COMPLETE_AFTER_MS / 1000} s; ` +
    `${THROTTLE * 100}% of calls throttled; limits 3,000 paths / 15 wildcards in progress.\n`,
)
console.log(table(rows))

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
