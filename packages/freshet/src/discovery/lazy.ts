/**
 * A discovery whose adapter module loads on first use. `createDiscovery` uses it for Kubernetes:
 * `@kubernetes/client-node` takes seconds to import, which a CLI command that never lists pods
 * (`freshet status`, `simulate`) should not pay.
 */
import type { Discovery, Pod } from './types.ts'

export function lazyDiscovery(
  name: string,
  load: () => Promise<Discovery>,
  onError: (error: Error) => void,
): Discovery {
  let loading: Promise<Discovery> | undefined
  let closed = false
  const loaded = () => {
    loading ??= load()
    return loading
  }
  return {
    name,
    list: async (signal) => (await loaded()).list(signal),
    watch(onChange: (pods: Pod[]) => void) {
      let stop: (() => void) | undefined
      let cancelled = false
      void loaded().then(
        (discovery) => {
          if (!cancelled && !closed) stop = discovery.watch?.(onChange)
        },
        (error: Error) => onError(error),
      )
      return () => {
        cancelled = true
        stop?.()
      }
    },
    async close() {
      closed = true
      if (!loading) return
      const discovery = await loading.catch(() => undefined)
      await discovery?.close?.()
    },
  }
}
