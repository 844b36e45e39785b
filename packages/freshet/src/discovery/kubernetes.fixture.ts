/** Test helpers: a KubeConfig for the local API server, and slices of the `web` Service. */
import { KubeConfig } from '@kubernetes/client-node'
import { type EndpointSpec, endpointSlice } from '../../../emulators/src/kubernetes.ts'

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
