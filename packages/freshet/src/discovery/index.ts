/**
 * Pod discovery: the config block `pods.discovery` (exactly one of `static`, `dns`,
 * `kubernetes`) and the adapter it selects.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { z } from 'zod'
import { dnsDiscovery, dnsDiscoveryOptions, type ResolverLike } from './dns.ts'
import { kubernetesDiscoveryOptions } from './kubernetes-options.ts'
import { lazyDiscovery } from './lazy.ts'
import { staticDiscovery, staticDiscoveryOptions } from './static.ts'
import type { Discovery } from './types.ts'

export type { Discovery, Pod } from './types.ts'

const kinds = ['static', 'dns', 'kubernetes'] as const

export const discoveryConfig = z
  .strictObject({
    static: staticDiscoveryOptions.optional(),
    dns: dnsDiscoveryOptions.optional(),
    kubernetes: kubernetesDiscoveryOptions.optional(),
  })
  .superRefine((config, ctx) => {
    const given = kinds.filter((kind) => config[kind] !== undefined)
    if (given.length === 1) return
    ctx.addIssue({
      code: 'custom',
      message:
        given.length === 0
          ? 'give one of static, dns or kubernetes'
          : `give only one of static, dns or kubernetes (found ${given.join(' and ')})`,
    })
  })
  .describe('How pods are found: exactly one of static, dns, kubernetes.')

export type DiscoveryConfig = z.output<typeof discoveryConfig>

/** The world the adapters talk to; defaults are the real system DNS and kubeconfig. */
export interface DiscoveryDependencies {
  onError?: (error: Error) => void
  resolver?: ResolverLike
  kubeConfig?: KubeConfig
}

export function createDiscovery(
  config: DiscoveryConfig,
  dependencies: DiscoveryDependencies = {},
): Discovery {
  const { onError, resolver, kubeConfig } = dependencies
  if (config.static) return staticDiscovery({ urls: config.static })
  if (config.dns) {
    const { intervalSeconds, ...dns } = config.dns
    return dnsDiscovery({ ...dns, intervalMs: intervalSeconds * 1000, resolver, onError })
  }
  if (config.kubernetes) {
    const options = { ...config.kubernetes, kubeConfig, onError }
    const load = async () => (await import('./kubernetes.ts')).kubernetesDiscovery(options)
    return lazyDiscovery('kubernetes', load, onError ?? ((error) => console.warn(error.message)))
  }
  throw new Error('[freshet] [discovery] pods.discovery: give one of static, dns or kubernetes')
}
