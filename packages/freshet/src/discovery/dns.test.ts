import { Resolver } from 'node:dns/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { discoveryContract, eventually } from './contract.ts'
import { type DnsZone, startDnsZone } from './dns.fixture.ts'
import { dnsDiscovery, dnsDiscoveryOptions } from './dns.ts'
import type { Pod } from './types.ts'

const name = 'web-headless.site.svc.cluster.local'

function resolverFor(zone: DnsZone) {
  const resolver = new Resolver({ timeout: 1000, tries: 1 })
  resolver.setServers([zone.server])
  return resolver
}

discoveryContract(
  'dns',
  async () => {
    const zone = await startDnsZone()
    // The same address twice: one pod.
    zone.records.set(name, ['10.0.0.1', '10.0.0.2', '10.0.0.1', 'fd00::3'])
    const resolver = resolverFor(zone)
    let next = 10
    return {
      discovery: dnsDiscovery({ name, port: 3000, resolver, intervalMs: 50, onError: () => {} }),
      expected: [
        { id: '10.0.0.1:3000', url: 'http://10.0.0.1:3000' },
        { id: '10.0.0.2:3000', url: 'http://10.0.0.2:3000' },
        { id: '[fd00::3]:3000', url: 'http://[fd00::3]:3000' },
      ],
      async addPod() {
        const ip = `10.0.0.${next++}`
        zone.records.set(name, [...(zone.records.get(name) ?? []), ip])
        return { id: `${ip}:3000`, url: `http://${ip}:3000` }
      },
      async removePod(pod: Pod) {
        const ip = pod.id.replace(/:3000$/, '')
        zone.records.set(
          name,
          (zone.records.get(name) ?? []).filter((a) => a !== ip),
        )
      },
      async teardown() {
        resolver.cancel()
        await zone.close()
      },
    }
  },
  { changes: true, watch: true },
)

describe('dns discovery', () => {
  let zone: DnsZone
  afterEach(async () => {
    await zone.close()
  })

  async function setup(records: string[] | undefined, scheme?: 'https') {
    zone = await startDnsZone()
    if (records) zone.records.set(name, records)
    const errors: Error[] = []
    const discovery = dnsDiscovery({
      name,
      port: 3000,
      scheme,
      resolver: resolverFor(zone),
      intervalMs: 20,
      onError: (error) => errors.push(error),
    })
    return { discovery, errors }
  }

  it('lists AAAA records as bracketed IPv6 URLs', async () => {
    const { discovery } = await setup(['fd00::7', '2001:db8::1'], 'https')
    expect(await discovery.list()).toEqual([
      { id: '[2001:db8::1]:3000', url: 'https://[2001:db8::1]:3000' },
      { id: '[fd00::7]:3000', url: 'https://[fd00::7]:3000' },
    ])
  })

  it('answers NXDOMAIN with no pods, and says so once until records return', async () => {
    const { discovery, errors } = await setup(undefined)
    expect(await discovery.list()).toEqual([])
    expect(await discovery.list()).toEqual([])
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^\[freshet\] \[dns\] .* no A or AAAA records \(ENOTFOUND\)/),
    ])
    zone.records.set(name, ['10.0.0.1'])
    expect(await discovery.list()).toHaveLength(1)
    zone.records.set(name, [])
    expect(await discovery.list()).toEqual([])
    expect(errors.at(-1)?.message).toMatch(/ENODATA/)
    expect(errors).toHaveLength(2)
  })

  it('throws on SERVFAIL rather than report no pods', async () => {
    const { discovery } = await setup(['10.0.0.1'])
    zone.failing.add(name)
    const failure = await discovery.list().catch((error: Error) => error)
    expect(failure).toBeInstanceOf(Error)
    expect((failure as Error).message).toMatch(
      /^\[freshet\] \[dns\] resolving A records of .* ESERVFAIL/,
    )
    expect((failure as Error).cause).toBeDefined()
  })

  it('keeps watching through failures and reports the pods once DNS answers again', async () => {
    const { discovery, errors } = await setup(['10.0.0.1'])
    zone.failing.add(name)
    const reports: Pod[][] = []
    const stop = discovery.watch?.((pods) => reports.push(pods))
    await eventually(
      () => errors.length,
      (n) => n >= 2,
      'failures reported',
    )
    expect(reports).toEqual([])
    zone.failing.delete(name)
    await eventually(
      () => reports.length,
      (n) => n === 1,
      'pods reported',
    )
    expect(reports[0]).toEqual([{ id: '10.0.0.1:3000', url: 'http://10.0.0.1:3000' }])
    stop?.()
    await discovery.close?.()
  })

  it('stops a list() that is aborted', async () => {
    const { discovery } = await setup(['10.0.0.1'])
    const controller = new AbortController()
    controller.abort(new Error('batch cancelled'))
    await expect(discovery.list(controller.signal)).rejects.toThrow('batch cancelled')
  })
})

describe('dns discovery options', () => {
  it('validates its config with defaults', () => {
    expect(dnsDiscoveryOptions.parse({ name, port: 3000 })).toEqual({
      name,
      port: 3000,
      scheme: 'http',
      intervalSeconds: 10,
    })
    expect(dnsDiscoveryOptions.safeParse({ name, port: 0 }).success).toBe(false)
    expect(dnsDiscoveryOptions.safeParse({ name, port: 3000, extra: 1 }).success).toBe(false)
    for (const key of ['name', 'port', 'scheme', 'intervalSeconds'] as const) {
      expect(dnsDiscoveryOptions.shape[key].description).toBeTruthy()
    }
  })
})
