import { afterEach, describe, expect, it } from 'vitest'
import {
  endpointSlice,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '../../../emulators/src/kubernetes.ts'
import { discoveryContract, eventually } from './contract.ts'
import { kubeConfigFor, kubernetesFixture, webSlice } from './kubernetes.fixture.ts'
import { kubernetesDiscovery } from './kubernetes.ts'
import type { Discovery, Pod } from './types.ts'

const fast = { initialMs: 20, maxMs: 200 }

discoveryContract(
  'kubernetes',
  () =>
    kubernetesFixture((kubeConfig) =>
      kubernetesDiscovery({
        namespace: 'site',
        service: 'web',
        kubeConfig,
        backoff: { initialMs: 20, maxMs: 200 },
        onError: () => {},
      }),
    ),
  { changes: true, watch: true },
)

describe('kubernetes discovery', () => {
  let emulator: KubernetesEmulator
  let discovery: Discovery
  let errors: Error[]
  afterEach(async () => {
    await discovery?.close?.()
    await emulator.close()
  })

  async function setup(
    options: { expired?: 'event' | 'status'; port?: number; portName?: string } = {},
  ) {
    emulator = await startKubernetesEmulator({ expired: options.expired })
    emulator.apply(webSlice('web-a', [{ ip: '10.0.0.1', ready: true, podName: 'web-1' }]))
    errors = []
    discovery = kubernetesDiscovery({
      namespace: 'site',
      service: 'web',
      port: options.port,
      portName: options.portName,
      kubeConfig: kubeConfigFor(emulator.url),
      backoff: fast,
      onError: (error) => errors.push(error),
    })
  }

  /** Starts watching; resolves once the first pod set arrived. */
  async function watching() {
    const reports: Pod[][] = []
    discovery.watch?.((pods) => reports.push(pods))
    await eventually(
      () => reports.length,
      (n) => n > 0,
      'first report',
    )
    const ids = () => (reports.at(-1) ?? []).map((pod) => pod.id)
    return { reports, ids }
  }

  const count = (kind: 'list' | 'watch') => emulator.requests.filter((r) => r.kind === kind).length

  for (const expired of ['event', 'status'] as const) {
    it(`lists again on 410 Gone (${expired === 'event' ? 'ERROR event' : 'HTTP 410'})`, async () => {
      await setup({ expired })
      const { ids } = await watching()
      await eventually(
        () => emulator.openWatches().length,
        (n) => n === 1,
        'watch open',
      )
      const watchedFrom = emulator.resourceVersion()
      // While the client is away, a pod arrives and the history it would resume from is compacted.
      emulator.endWatches()
      emulator.apply(webSlice('web-b', [{ ip: '10.0.0.2', podName: 'web-2' }]))
      emulator.compact()
      await eventually(ids, (now) => now.includes('web-2'), 'pod seen after relist')
      const resumed = emulator.requests.find(
        (r) => r.kind === 'watch' && r.resourceVersion === watchedFrom,
      )
      expect(resumed).toBeDefined()
      expect(count('list')).toBe(2)
      expect(errors).toEqual([])
    })
  }

  it('resumes from its resourceVersion after the server drops the watch', async () => {
    await setup()
    const { ids } = await watching()
    await eventually(
      () => emulator.openWatches().length,
      (n) => n === 1,
      'watch open',
    )
    emulator.dropWatches()
    emulator.apply(webSlice('web-b', [{ ip: '10.0.0.2', podName: 'web-2' }]))
    await eventually(ids, (now) => now.includes('web-2'), 'change seen after reconnect')
    expect(count('list')).toBe(1) // replayed from history: no relist needed
    expect(errors[0]?.message).toMatch(
      /^\[freshet\] \[kubernetes\] watching EndpointSlices of site\/web failed/,
    )
  })

  it('keeps reconnecting, with backoff, while the server refuses watches', async () => {
    await setup()
    const { ids } = await watching()
    await eventually(
      () => emulator.openWatches().length,
      (n) => n === 1,
      'watch open',
    )
    emulator.failNext('watch', 500, 3)
    emulator.dropWatches()
    emulator.apply(webSlice('web-b', [{ ip: '10.0.0.2', podName: 'web-2' }]))
    await eventually(ids, (now) => now.includes('web-2'), 'change seen after the failures')
    expect(errors.filter((error) => error.message.includes('HTTP 500'))).toHaveLength(3)
  })

  it('moves its resourceVersion on bookmarks, so a quiet watch resumes from there', async () => {
    await setup()
    await watching()
    await eventually(
      () => emulator.openWatches().length,
      (n) => n === 1,
      'watch open',
    )
    // A change the watch does not see (another Service): only the bookmark carries its version.
    emulator.apply(endpointSlice({ service: 'api', namespace: 'site', endpoints: [] }))
    emulator.bookmark()
    const marked = emulator.resourceVersion()
    emulator.endWatches() // the bookmark line is sent before the end of the stream
    await eventually(
      () => count('watch'),
      (n) => n === 2,
      'reconnected',
    )
    expect(emulator.requests.filter((r) => r.kind === 'watch').at(-1)?.resourceVersion).toBe(marked)
    expect(count('list')).toBe(1)
  })

  it('drops endpoints that turn unready and takes them back when ready', async () => {
    await setup()
    emulator.apply(webSlice('web-b', [{ ip: '10.0.0.2', ready: true, podName: 'web-2' }]))
    const { ids } = await watching()
    await eventually(ids, (now) => now.length === 2, 'both pods')
    emulator.setEndpointReady('site', 'web-b', '10.0.0.2', false)
    await eventually(ids, (now) => now.join() === 'web-1', 'unready pod gone')
    expect((await discovery.list()).map((pod) => pod.id)).toEqual(['web-1'])
    emulator.setEndpointReady('site', 'web-b', '10.0.0.2', true)
    await eventually(ids, (now) => now.join() === 'web-1,web-2', 'ready again')
  })

  it('unions IPv4 and IPv6 slices: a dual-stack pod once, IPv6 addresses bracketed', async () => {
    await setup()
    emulator.apply(webSlice('web-v6', [{ ip: 'fd00::1', podName: 'web-1' }, { ip: 'fd00::9' }]))
    expect(await discovery.list()).toEqual([
      { id: '[fd00::9]:3000', url: 'http://[fd00::9]:3000' },
      { id: 'web-1', url: 'http://10.0.0.1:3000' },
    ])
  })

  it('takes the port by name, or the configured number as is', async () => {
    await setup({ portName: 'metrics' })
    const ports = [
      { name: 'http', port: 3000 },
      { name: 'metrics', port: 9100 },
    ]
    emulator.apply(webSlice('web-a', [{ ip: '10.0.0.1', podName: 'web-1' }], ports))
    expect((await discovery.list())[0]?.url).toBe('http://10.0.0.1:9100')
    await discovery.close?.()
    discovery = kubernetesDiscovery({
      namespace: 'site',
      service: 'web',
      port: 8080,
      kubeConfig: kubeConfigFor(emulator.url),
    })
    expect((await discovery.list())[0]?.url).toBe('http://10.0.0.1:8080')
  })

  it('refuses to guess among several unnamed ports', async () => {
    await setup()
    emulator.apply(
      webSlice(
        'web-a',
        [{ ip: '10.0.0.1' }],
        [
          { name: 'a', port: 1 },
          { name: 'b', port: 2 },
        ],
      ),
    )
    await expect(discovery.list()).rejects.toThrow(
      /\[freshet\] \[kubernetes\] site\/web: no slice gives a usable port/,
    )
    expect(errors[0]?.message).toMatch(/set port or portName/)
  })

  it('names the origin and the status when listing fails', async () => {
    await setup()
    emulator.failNext('list', 403)
    const failure = await discovery.list().catch((error: Error) => error)
    expect((failure as Error).message).toMatch(
      /^\[freshet\] \[kubernetes\] listing EndpointSlices of site\/web failed: HTTP 403/,
    )
    expect((failure as Error).cause).toBeDefined()
  })

  it('aborts a list() when its signal aborts', async () => {
    await setup()
    const controller = new AbortController()
    controller.abort(new Error('batch cancelled'))
    await expect(discovery.list(controller.signal)).rejects.toThrow('batch cancelled')
  })

  it('closes while backing off, leaving no watch behind', async () => {
    await setup()
    emulator.failNext('watch', 500, 1000)
    discovery.watch?.(() => {})
    await eventually(
      () => errors.length,
      (n) => n >= 2,
      'failing watches',
    )
    await discovery.close?.()
    const requests = emulator.requests.length
    await new Promise((resolve) => setTimeout(resolve, 300)) // longer than the largest backoff
    expect(emulator.requests.length).toBe(requests)
    expect(emulator.openWatches()).toEqual([])
  })
})
