import { startCloudflareEmulator } from '@freshet/emulators/cloudflare'
import { afterEach, describe, expect, it } from 'vitest'
import { targetContract } from '../contract.ts'
import { cloudflareLimits, cloudflareOptions, cloudflareTarget } from './target.ts'

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353'
const BASE = 'https://www.example.com'

targetContract(
  'cloudflare',
  async () => {
    const emulator = await startCloudflareEmulator({ zoneId: ZONE, apiToken: 'good-token' })
    const options = (apiToken: string) =>
      cloudflareOptions.parse({ zoneId: ZONE, apiToken, apiUrl: emulator.apiUrl, baseUrls: [BASE] })
    // Back from Cloudflare's spelling to freshet's items.
    const purged = () =>
      emulator.purges.flatMap(({ kind, values }) =>
        values.map((v) =>
          kind === 'files'
            ? v.slice(BASE.length)
            : kind === 'hosts'
              ? '/*'
              : kind === 'prefixes'
                ? `${v.slice('www.example.com'.length)}*`
                : `#${v}`,
        ),
      )
    return {
      target: cloudflareTarget(options('good-token')),
      refused: cloudflareTarget(options('wrong-token')),
      purged,
      accepted: () => emulator.stats.accepted,
      overLimit: () => emulator.stats.overLimit,
      throttleNext: (count) => emulator.faults.throttleNext(count),
      throttling: {
        retryAfterSeconds: emulator.faults.retryAfterSeconds,
        sent: () => emulator.stats.throttled,
        calls: () => emulator.faults.log,
      },
      failNext: (count) => emulator.faults.failNext(count),
      teardown: () => emulator.close(),
    }
  },
  {
    tags: true,
    wildcards: true,
    tracked: false,
    idempotent: false,
    retryAfter: true,
    limits: cloudflareLimits,
  },
)

describe('cloudflare: the whole site', () => {
  let emulator: Awaited<ReturnType<typeof startCloudflareEmulator>> | undefined
  afterEach(() => emulator?.close())

  it('purges /* by hostname under an origin without a path, by prefix under one with a path', async () => {
    emulator = await startCloudflareEmulator({ zoneId: ZONE, apiToken: 'good-token' })
    const target = cloudflareTarget(
      cloudflareOptions.parse({
        zoneId: ZONE,
        apiToken: 'good-token',
        apiUrl: emulator.apiUrl,
        baseUrls: [BASE, 'https://example.com', 'https://shop.example.com/eu'],
      }),
    )
    const signal = new AbortController().signal
    const state = await target.create({ callerReference: 'site', items: ['/*'] }, signal)
    expect(state.status).toBe('Completed')
    expect(emulator.purges).toEqual(
      expect.arrayContaining([
        { kind: 'hosts', values: ['www.example.com', 'example.com'] },
        { kind: 'prefixes', values: ['shop.example.com/eu/'] },
      ]),
    )
    expect(emulator.purges.length).toBe(2)
    expect(emulator.stats.accepted).toBe(2)
  })
})
