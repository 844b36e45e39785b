import { Resolver } from 'node:dns/promises'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { discoveryContract } from './contract.ts'
import { startDnsZone } from './dns.fixture.ts'
import { createDiscovery, discoveryConfig } from './index.ts'
import { kubeConfigFor, kubernetesFixture } from './kubernetes.fixture.ts'
import { defaultKubeConfig, kubernetesDiscoveryOptions } from './kubernetes.ts'
import { kubeConfigProblem } from './kubernetes-options.ts'

// The Kubernetes adapter as the service gets it: loaded on first use.
discoveryContract(
  'kubernetes via createDiscovery',
  () =>
    kubernetesFixture((kubeConfig) =>
      createDiscovery(
        discoveryConfig.parse({ kubernetes: { namespace: 'site', service: 'web' } }),
        {
          kubeConfig,
          onError: () => {},
        },
      ),
    ),
  { changes: true, watch: true },
)

describe('pods.discovery config', () => {
  it('takes exactly one of static, dns, kubernetes', () => {
    expect(discoveryConfig.safeParse({}).error?.issues[0]?.message).toBe(
      'give one of static, dns or kubernetes',
    )
    const two = discoveryConfig.safeParse({
      static: ['http://10.0.0.7:3000'],
      dns: { name: 'web', port: 3000 },
    })
    expect(two.error?.issues[0]?.message).toMatch(/only one .* \(found static and dns\)/)
    expect(discoveryConfig.safeParse({ consul: {} }).success).toBe(false)
  })

  it('builds the adapter the config names, with the defaults applied', async () => {
    const fromStatic = createDiscovery(discoveryConfig.parse({ static: ['http://10.0.0.7:3000'] }))
    expect(fromStatic.name).toBe('static')
    expect(await fromStatic.list()).toEqual([{ id: '10.0.0.7:3000', url: 'http://10.0.0.7:3000' }])

    const zone = await startDnsZone()
    zone.records.set('web.site.svc', ['10.0.0.8'])
    const resolver = new Resolver({ timeout: 1000, tries: 1 })
    resolver.setServers([zone.server])
    const config = discoveryConfig.parse({ dns: { name: 'web.site.svc', port: 3000 } })
    const fromDns = createDiscovery(config, { resolver })
    expect(fromDns.name).toBe('dns')
    expect(await fromDns.list()).toEqual([{ id: '10.0.0.8:3000', url: 'http://10.0.0.8:3000' }])
    await zone.close()

    const kubeConfig = kubeConfigFor('http://127.0.0.1:1')
    const k8s = discoveryConfig.parse({ kubernetes: { namespace: 'site', service: 'web' } })
    const fromKubernetes = createDiscovery(k8s, { kubeConfig })
    expect(fromKubernetes.name).toBe('kubernetes')
    await fromKubernetes.close?.()
  })
})

describe('kubernetes discovery options', () => {
  it('has defaults and descriptions, and takes port or portName, not both', () => {
    expect(
      kubernetesDiscoveryOptions.parse({ namespace: 'site', service: 'web', port: 3000 }),
    ).toEqual({
      namespace: 'site',
      service: 'web',
      port: 3000,
      scheme: 'http',
      watchTimeoutSeconds: 300,
    })
    const both = kubernetesDiscoveryOptions.safeParse({
      namespace: 's',
      service: 'w',
      port: 1,
      portName: 'http',
    })
    expect(both.error?.issues[0]?.message).toBe('give port or portName, not both')
    for (const [key, schema] of Object.entries(kubernetesDiscoveryOptions.shape)) {
      expect(schema.description, key).toBeTruthy()
    }
  })

  it('reads KUBECONFIG outside a pod', async () => {
    const file = join(tmpdir(), `freshet-kubeconfig-${process.pid}.yaml`)
    const config = kubeConfigFor('http://127.0.0.1:6443')
    await writeFile(file, config.exportConfig())
    const keys = ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const
    const saved = keys.map((key) => [key, process.env[key]] as const)
    try {
      process.env.KUBECONFIG = file
      delete process.env.KUBERNETES_SERVICE_HOST
      expect(defaultKubeConfig().getCurrentCluster()?.server).toBe('http://127.0.0.1:6443')
      process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1'
      process.env.KUBERNETES_SERVICE_PORT = '443'
      expect(defaultKubeConfig().getCurrentCluster()?.server).toBe('https://10.96.0.1:443')
    } finally {
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
  })

  it('says why Kubernetes discovery cannot work here: no pod, no kubeconfig', () => {
    const none = () => false
    expect(kubeConfigProblem({}, none, '/home/x')).toMatch(
      /pods\.discovery\.kubernetes: no Kubernetes configuration: not in a pod .* set KUBECONFIG/,
    )
    expect(kubeConfigProblem({ KUBECONFIG: '/a:/b' }, none, '/home/x')).toMatch(
      /KUBECONFIG=\/a:\/b names no file that exists/,
    )
    expect(kubeConfigProblem({ KUBECONFIG: '/a:/b' }, (f) => f === '/b', '/h')).toBeUndefined()
    expect(kubeConfigProblem({}, (f) => f === '/h/.kube/config', '/h')).toBeUndefined()
    const inPod = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }
    expect(kubeConfigProblem(inPod, none, '/h')).toBeUndefined()
  })
})
