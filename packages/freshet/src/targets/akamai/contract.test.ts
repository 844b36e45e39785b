import { startAkamaiEmulator } from '@freshet/emulators/akamai'
import { describe, expect, it } from 'vitest'
import { targetContract } from '../contract.ts'
import { akamaiLimits, akamaiOptions, akamaiTarget, bodies, MAX_BODY_BYTES } from './target.ts'

const BASE = 'https://www.example.com'
const credentials = {
  clientToken: 'akab-client-token-xxx',
  clientSecret: 'C113nt53KR3TN6N90yVuAgICxIRwsObLi0E67/N8eRN=',
  accessToken: 'akab-access-token-xxx',
}
const signal = new AbortController().signal

async function setup() {
  const emulator = await startAkamaiEmulator({ ...credentials, estimatedSeconds: 5 })
  let skew = 0
  const target = (secret = credentials.clientSecret) =>
    akamaiTarget({
      ...akamaiOptions.parse({
        ...credentials,
        clientSecret: secret,
        host: emulator.host,
        apiUrl: emulator.url,
        baseUrls: [BASE],
      }),
      now: () => Date.now() + skew,
    })
  return { emulator, target, pass: () => (skew += 60_000) }
}

targetContract(
  'akamai',
  async () => {
    const { emulator, target, pass } = await setup()
    const purged = () =>
      emulator.purges.flatMap(({ type, objects }) =>
        objects.map((o) => (type === 'url' ? o.slice(BASE.length) : `#${o}`)),
      )
    return {
      target: target(),
      // A wrong secret: the emulator verifies the signature, so this is a 401.
      refused: target('d3JvbmctY2xpZW50LXNlY3JldA=='),
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
      // Akamai reports no status: what completes an invalidation is its estimatedSeconds passing.
      complete: pass,
      teardown: () => emulator.close(),
    }
  },
  {
    tags: true,
    wildcards: false,
    tracked: true,
    idempotent: false,
    retryAfter: true,
    limits: akamaiLimits,
  },
)

describe('akamai specifics', () => {
  it('sends invalidate (or delete) to the configured network, signed and verified', async () => {
    const { emulator } = await setup()
    try {
      const target = akamaiTarget(
        akamaiOptions.parse({
          ...credentials,
          host: emulator.host,
          apiUrl: emulator.url,
          baseUrls: [BASE, 'https://m.example.com'],
          network: 'staging',
          action: 'delete',
        }),
      )
      await target.create({ callerReference: 'r', items: ['/a', '#t'] }, signal)
      expect(emulator.purges).toEqual([
        {
          action: 'delete',
          type: 'url',
          network: 'staging',
          objects: [`${BASE}/a`, 'https://m.example.com/a'],
        },
        { action: 'delete', type: 'tag', network: 'staging', objects: ['t'] },
      ])
      expect(emulator.stats.signaturesChecked).toBe(2)
    } finally {
      await emulator.close()
    }
  })

  it('keeps each body under 50,000 bytes', () => {
    const urls = Array.from({ length: 2000 }, (_, i) => `${BASE}/articles/${'x'.repeat(40)}-${i}`)
    const groups = bodies(urls)
    expect(groups.length).toBeGreaterThan(1)
    for (const group of groups)
      expect(JSON.stringify({ objects: group }).length).toBeLessThanOrEqual(MAX_BODY_BYTES)
    expect(groups.flat()).toEqual(urls)
  })
})
