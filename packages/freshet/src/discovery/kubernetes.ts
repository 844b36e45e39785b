/**
 * Kubernetes discovery: the ready endpoints of a Service's EndpointSlices
 * (label `kubernetes.io/service-name=<service>`), read through `@kubernetes/client-node`.
 *
 * - `list()` asks the API server afresh each time: a batch works on the truth of that moment.
 * - `watch()` lists and watches while someone listens (see `kubernetes-watch.ts`); each listener
 *   gets the current pods, then every change.
 * - Pod id: the endpoint's `targetRef.name` (the pod name), else `ip:port`.
 * - Port: `port` as is (the pods' own port, not the Service's); else the slice port named
 *   `portName`; else the slice's only port, or the one named `http`.
 */
import { KubeConfig } from '@kubernetes/client-node'
import { kubeConfigProblem } from './kubernetes-options.ts'
import { podsFromSlices } from './kubernetes-pods.ts'
import { runSliceLoop, sliceClient, statusOf } from './kubernetes-watch.ts'
import { podListeners } from './pods.ts'
import type { Discovery, Pod } from './types.ts'

export { kubernetesDiscoveryOptions } from './kubernetes-options.ts'

export interface KubernetesDiscoveryOptions {
  namespace: string
  service: string
  port?: number
  portName?: string
  scheme?: 'http' | 'https'
  /** Defaults to `defaultKubeConfig()`. */
  kubeConfig?: KubeConfig
  watchTimeoutSeconds?: number
  /** Reconnect delays after errors: doubling from `initialMs` up to `maxMs`, with jitter. */
  backoff?: { initialMs: number; maxMs: number }
  /** Failures of the watch loop and slices whose port cannot be chosen. */
  onError?: (error: Error) => void
}

/** In a pod: the service account (`loadFromCluster`). Elsewhere: `KUBECONFIG` or ~/.kube/config. */
export function defaultKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const problem = kubeConfigProblem(env)
  if (problem) throw new Error(problem)
  const kubeConfig = new KubeConfig()
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) kubeConfig.loadFromCluster()
  else kubeConfig.loadFromDefault()
  return kubeConfig
}

export function kubernetesDiscovery(options: KubernetesDiscoveryOptions): Discovery {
  const { namespace, service, port, portName, scheme = 'http' } = options
  const onError = options.onError ?? ((error) => console.warn(error.message))
  const where = `${namespace}/${service}`
  const client = sliceClient(options.kubeConfig ?? defaultKubeConfig(), {
    namespace,
    labelSelector: `kubernetes.io/service-name=${service}`,
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
  })
  const toPods = (slices: Parameters<typeof podsFromSlices>[0]): Pod[] => {
    const { pods, problems } = podsFromSlices(slices, { port, portName, scheme })
    for (const problem of problems)
      onError(new Error(`[freshet] [kubernetes] ${where}: ${problem}`))
    if (pods.length === 0 && problems.length > 0) {
      throw new Error(`[freshet] [kubernetes] ${where}: no slice gives a usable port`)
    }
    return pods
  }

  let loop: { controller: AbortController; done: Promise<void> } | undefined
  const stopLoop = async () => {
    const running = loop
    loop = undefined
    running?.controller.abort()
    await running?.done
  }
  const listeners = podListeners(
    () => {
      const controller = new AbortController()
      const loopOptions = {
        client,
        onSlices: (slices: Parameters<typeof toPods>[0]) =>
          tryReport(() => listeners.update(toPods(slices)), onError),
        onError: (error: unknown) =>
          onError(wrap(`watching EndpointSlices of ${where} failed`, error)),
        backoff: options.backoff ?? { initialMs: 500, maxMs: 30_000 },
      }
      loop = { controller, done: runSliceLoop(loopOptions, controller.signal) }
    },
    () => void stopLoop(),
  )

  return {
    name: 'kubernetes',
    async list(signal) {
      try {
        return toPods((await client.list(signal)).items)
      } catch (error) {
        if (signal?.aborted) throw signal.reason
        throw wrap(`listing EndpointSlices of ${where} failed`, error)
      }
    },
    watch: (onChange) => listeners.add(onChange),
    async close() {
      listeners.clear()
      await stopLoop()
    },
  }
}

function tryReport(report: () => void, onError: (error: Error) => void) {
  try {
    report()
  } catch (error) {
    onError(error as Error)
  }
}

function wrap(what: string, error: unknown): Error {
  if (error instanceof Error && error.message.startsWith('[freshet]')) return error
  const status = statusOf(error)
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new Error(`[freshet] [kubernetes] ${what}: ${status ? `HTTP ${status}: ` : ''}${detail}`, {
    cause: error,
  })
}
