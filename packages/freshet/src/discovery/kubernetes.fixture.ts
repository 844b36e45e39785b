/** Test helpers: a KubeConfig for the local API server, and slices of the `web` Service. */
import { KubeConfig } from '@kubernetes/client-node'
import {
  type EndpointSpec,
  endpointSlice,
  startKubernetesEmulator,
} from '../../../emulators/src/kubernetes.ts'
import type { DiscoveryFixture } from './contract.ts'
import type { Discovery, Pod } from './types.ts'

export function kubeConfigFor(url: string): KubeConfig {
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'emulator', server: url, skipTLSVerify: true }],
    users: [{ name: 'test', token: 'test-token' }],
    contexts: [{ name: 'emulator', cluster: 'emulator', user: 'test', namespace: 'site' }],
    currentContext: 'emulator',
  })
  return kubeConfig
}

export const webSlice = (
  name: string,
  endpoints: EndpointSpec[],
  ports?: { name?: string; port: number }[],
) => endpointSlice({ service: 'web', namespace: 'site', name, endpoints, ports })

/**
 * The contract fixture: the `web` Service in `site` with two slices (an unready endpoint, an
 * endpoint in both slices, one without targetRef) and another Service's slice beside it.
 */
export async function kubernetesFixture(
  create: (kubeConfig: KubeConfig) => Discovery,
): Promise<DiscoveryFixture> {
  const emulator = await startKubernetesEmulator()
  emulator.apply(
    webSlice('web-a', [
      { ip: '10.0.0.1', ready: true, podName: 'web-1' },
      { ip: '10.0.0.2', podName: 'web-2' }, // ready unset: counts as ready
      { ip: '10.0.0.3', ready: false, podName: 'web-3' },
    ]),
  )
  emulator.apply(webSlice('web-b', [{ ip: '10.0.0.2', podName: 'web-2' }, { ip: '10.0.0.4' }]))
  emulator.apply(
    endpointSlice({ service: 'api', namespace: 'site', endpoints: [{ ip: '10.0.9.9' }] }),
  )
  let next = 10
  return {
    discovery: create(kubeConfigFor(emulator.url)),
    expected: [
      { id: '10.0.0.4:3000', url: 'http://10.0.0.4:3000' },
      { id: 'web-1', url: 'http://10.0.0.1:3000' },
      { id: 'web-2', url: 'http://10.0.0.2:3000' },
    ],
    async addPod() {
      const n = next++
      emulator.apply(
        webSlice(`web-x${n}`, [{ ip: `10.0.1.${n}`, ready: true, podName: `web-x${n}` }]),
      )
      return { id: `web-x${n}`, url: `http://10.0.1.${n}:3000` }
    },
    async removePod(pod: Pod) {
      emulator.remove('site', pod.id)
    },
    teardown: () => emulator.close(),
  }
}
