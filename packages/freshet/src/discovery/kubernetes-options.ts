/**
 * The config of Kubernetes discovery, apart from the adapter: reading the config must not load
 * `@kubernetes/client-node` (seconds of start-up for every CLI command).
 */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { z } from 'zod'

export const kubernetesDiscoveryOptions = z
  .strictObject({
    namespace: z.string().min(1).describe('Namespace of the web app’s Service, e.g. site.'),
    service: z.string().min(1).describe('Name of the Service whose EndpointSlices list the pods.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('Port the pods listen on (the container port), e.g. 3000. Or give portName.'),
    portName: z
      .string()
      .min(1)
      .optional()
      .describe('Name of the Service port to take from the EndpointSlices, e.g. http.'),
    scheme: z.enum(['http', 'https']).default('http').describe('Scheme of the pod URLs.'),
    watchTimeoutSeconds: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe('Lifetime of one watch request; the watch then reconnects where it was.'),
  })
  .refine((options) => options.port === undefined || options.portName === undefined, {
    message: 'give port or portName, not both',
    path: ['portName'],
  })
  .describe('Pods from the EndpointSlices of a Service, listed and watched via the API server.')

/**
 * Why Kubernetes discovery cannot work here, or undefined when it can: not in a pod (no
 * `KUBERNETES_SERVICE_HOST`) and no kubeconfig file. Without this check the client falls back to
 * http://localhost and its watch fails every few seconds with a message about TLS.
 */
export function kubeConfigProblem(
  env: Record<string, string | undefined> = process.env,
  exists: (file: string) => boolean = existsSync,
  home: string = homedir(),
): string | undefined {
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return undefined
  const where = '[freshet] [kubernetes] pods.discovery.kubernetes:'
  const fix = 'run freshet in the cluster, set KUBECONFIG, or use pods.discovery.static or dns'
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(delimiter).filter(Boolean)
    if (files.some((file) => exists(file))) return undefined
    return `${where} KUBECONFIG=${env.KUBECONFIG} names no file that exists; ${fix}`
  }
  if (exists(join(home, '.kube', 'config'))) return undefined
  return `${where} no Kubernetes configuration: not in a pod (KUBERNETES_SERVICE_HOST is not set) and no KUBECONFIG nor ~/.kube/config; ${fix}`
}
