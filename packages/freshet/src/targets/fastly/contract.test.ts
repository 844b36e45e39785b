import { startFastlyEmulator } from '@freshet/emulators/fastly'
import { describe, expect, it } from 'vitest'
import { targetContract } from '../contract.ts'
import { CdnError } from '../types.ts'
import { fastlyLimits, fastlyOptions, fastlyTarget } from './target.ts'

const SERVICE = 'SU1Z0isxPaozGVKXdv0eY'
const BASE = 'https://www.example.com'
const signal = new AbortController().signal

const setup = async () => {
  const emulator = await startFastlyEmulator({ serviceId: SERVICE, apiToken: 'good-key' })
  const options = (apiToken: string, soft = false) =>
    fastlyOptions.parse({
      serviceId: SERVICE,
      apiToken,
      apiUrl: emulator.url,
      baseUrls: [BASE],
      soft,
    })
  return { emulator, options }
}

targetContract(
  'fastly',
  async () => {
    const { emulator, options } = await setup()
    const purged = () =>
      emulator.purges.flatMap(({ kind, values }) =>
        values.map((v) => (kind === 'url' ? v.slice('www.example.com'.length) : `#${v}`)),
      )
    return {
      target: fastlyTarget(options('good-key')),
      refused: fastlyTarget(options('wrong-key')),
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
    wildcards: false,
    tracked: false,
    idempotent: false,
    retryAfter: true,
    limits: fastlyLimits,
  },
)

describe('fastly specifics', () => {
  it('soft purges with Fastly-Soft-Purge: 1, keys in batches of at most 256', async () => {
    const { emulator, options } = await setup()
    try {
      const keys = Array.from({ length: 600 }, (_, i) => `#k${i}`)
      await fastlyTarget(options('good-key', true)).create(
        { callerReference: 'r', items: keys },
        signal,
      )
      const batches = emulator.purges.filter((p) => p.kind === 'keys')
      expect(batches.map((b) => b.values.length)).toEqual([256, 256, 88])
      expect(batches.every((b) => b.soft)).toBe(true)
    } finally {
      await emulator.close()
    }
  })

  it('refuses a prefix wildcard, saying Fastly cannot purge by prefix', async () => {
    const { emulator, options } = await setup()
    try {
      const error = await fastlyTarget(options('good-key'))
        .create({ callerReference: 'r', items: ['/blog/*'] }, signal)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CdnError)
      expect((error as CdnError).message).toContain('cannot purge by prefix')
      expect(emulator.purges).toEqual([])
    } finally {
      await emulator.close()
    }
  })
})
