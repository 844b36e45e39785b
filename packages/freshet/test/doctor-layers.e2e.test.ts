import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AkamaiEmulator, startAkamaiEmulator } from '@freshet/emulators/akamai'
import { type CloudflareEmulator, startCloudflareEmulator } from '@freshet/emulators/cloudflare'
import { type FastlyEmulator, startFastlyEmulator } from '@freshet/emulators/fastly'
import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import { startVarnish } from '@freshet/emulators/varnish'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { doctor, line } from './doctor-run.ts'

/** `freshet doctor` with only Varnish, Cloudflare, Fastly and Akamai as cache layers. */

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353'
const BASE = 'https://www.example.com'
const akamaiCredentials = {
  clientToken: 'akab-client',
  clientSecret: 'c2VjcmV0LWZvci10aGUtZW11bGF0b3I=',
  accessToken: 'akab-access',
}

describe('freshet doctor, every cache layer kind', () => {
  let pod: TestPod
  let varnish: Awaited<ReturnType<typeof startVarnish>>
  let lockedVarnish: Awaited<ReturnType<typeof startVarnish>>
  let cloudflare: CloudflareEmulator
  let disabled: CloudflareEmulator
  let fastly: FastlyEmulator
  let akamai: AkamaiEmulator

  beforeAll(async () => {
    pod = await startTestPod({ token: 'pod' })
    // The shipped VCL, its purge ACL letting loopback in, and one that does not.
    varnish = await startVarnish({ backends: [pod.url] })
    lockedVarnish = await startVarnish({ backends: [pod.url], purgers: ['10.255.255.1'] })
    cloudflare = await startCloudflareEmulator({ zoneId: ZONE, apiToken: 'cf-token' })
    disabled = await startCloudflareEmulator({
      zoneId: ZONE,
      apiToken: 'cf-token',
      tokenStatus: 'disabled',
    })
    fastly = await startFastlyEmulator({ serviceId: 'SVC1', apiToken: 'fastly-key' })
    akamai = await startAkamaiEmulator(akamaiCredentials)
  }, 120_000)
  afterAll(async () => {
    await Promise.all([
      varnish?.close(),
      lockedVarnish?.close(),
      cloudflare?.close(),
      disabled?.close(),
      fastly?.close(),
      akamai?.close(),
      pod?.close(),
    ])
  })

  const config = (cdn: Record<string, unknown>) => ({
    server: { adminToken: 'admin' },
    store: { dir: join(tmpdir(), `freshet-doctor-layers-${process.pid}`) },
    sources: { generic: { token: 'hook' } },
    pods: { token: 'pod', discovery: { static: [pod.url] } },
    cdn,
  })
  const layers = (over: { cf?: string; cfUrl?: string; fastly?: string; akamai?: string } = {}) =>
    config({
      varnish: { urls: [varnish.url] },
      cloudflare: {
        zoneId: ZONE,
        apiToken: over.cf ?? 'cf-token',
        apiUrl: `${over.cfUrl ?? cloudflare.url}/client/v4`,
        baseUrls: [BASE],
      },
      fastly: {
        serviceId: 'SVC1',
        apiToken: over.fastly ?? 'fastly-key',
        apiUrl: fastly.url,
        baseUrls: [BASE],
      },
      akamai: {
        ...akamaiCredentials,
        clientSecret: over.akamai ?? akamaiCredentials.clientSecret,
        host: akamai.host,
        apiUrl: akamai.url,
        baseUrls: [BASE],
      },
    })

  it('checks each configured layer (no CloudFront: no "cdn not configured"), exit 0', async () => {
    const run = await doctor(layers())
    expect(run.lines.filter((l) => !l.startsWith('✓'))).toEqual([])
    expect(run.code).toBe(0)
    expect(line(run.lines, 'cdn')).toBeUndefined()
    expect(line(run.lines, `varnish ${varnish.url}`)).toBe(
      "✓ accepts freshet's purge (of /.freshet-doctor, which no page has)",
    )
    expect(line(run.lines, `cloudflare ${ZONE}`)).toBe(
      "✓ token active; accepts freshet's purge (of /.freshet-doctor, which no page has)",
    )
    expect(line(run.lines, 'fastly SVC1')).toMatch(/^✓ accepts freshet's purge/)
    expect(line(run.lines, `akamai ${akamai.host}:production`)).toMatch(
      /^✓ accepts freshet's purge/,
    )
    // What each answered: a purge of something no page has, through the real API shapes.
    expect(cloudflare.purges).toContainEqual({
      kind: 'files',
      values: [`${BASE}/.freshet-doctor`],
    })
    expect(fastly.purges.map((p) => p.kind).sort()).toEqual(['keys', 'url'])
    expect(akamai.stats.signaturesChecked).toBeGreaterThan(0)
  }, 180_000)

  it('says the fix for each: wrong tokens, a disabled token, a bad signature, the purge ACL', async () => {
    const wrong = await doctor(layers({ cf: 'nope', fastly: 'nope', akamai: 'bm9wZQ==' }))
    expect(wrong.code).toBe(1)
    expect(line(wrong.lines, `cloudflare ${ZONE}`)).toMatch(
      /^✗ Cloudflare does not know cdn\.cloudflare\.apiToken \(401 on \/user\/tokens\/verify\): create an API token with Zone › Cache Purge/,
    )
    expect(line(wrong.lines, 'fastly SVC1')).toMatch(
      /^✗ surrogate-key purge on service SVC1 answered 401: the API token is wrong or lacks the purge_select scope/,
    )
    expect(line(wrong.lines, `akamai ${akamai.host}:production`)).toMatch(
      /answered 401: the EdgeGrid credentials \(clientToken\/clientSecret\/accessToken\/host\) were refused/,
    )
    const off = await doctor(layers({ cfUrl: disabled.url }))
    expect(line(off.lines, `cloudflare ${ZONE}`)).toBe(
      '✗ the API token is disabled: enable it or roll a new one (My Profile → API Tokens)',
    )
    const locked = await doctor(config({ varnish: { urls: [lockedVarnish.url] } }))
    expect(locked.code).toBe(1)
    expect(line(locked.lines, `varnish ${lockedVarnish.url}`)).toMatch(
      /^✗ PURGE \/\.freshet-doctor on http:\/\/127\.0\.0\.1:\d+ answered 405: this address is not in the VCL's purge ACL \(acl purgers in freshet\.vcl\)/,
    )
  }, 180_000)
})
