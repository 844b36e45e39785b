/**
 * Static discovery: the pod URLs written in the config
 * (`pods.discovery.static: ["http://10.0.0.7:3000"]`). The pod id is `host:port`.
 */
import { z } from 'zod'
import { uniquePods } from './pods.ts'
import type { Discovery, Pod } from './types.ts'

const podBaseUrl = z
  .url({ protocol: /^https?$/, abort: true })
  // `abort` above: a value that is not a URL never reaches `new URL` here (it would throw and
  // hide every other problem of the file).
  .refine((value) => !new URL(value).search && !new URL(value).hash, {
    message: 'a pod URL has no query or fragment',
  })
  .describe('Base URL of one pod, e.g. http://10.0.0.7:3000 (the pod itself, not the Service).')

export const staticDiscoveryOptions = z
  .array(podBaseUrl)
  .min(1)
  .describe('Fixed pod URLs, e.g. ["http://10.0.0.7:3000"]. Each is called directly.')

export interface StaticDiscoveryOptions {
  urls: readonly string[]
}

export function staticDiscovery(options: StaticDiscoveryOptions): Discovery {
  const pods = uniquePods(options.urls.map(staticPod))
  return {
    name: 'static',
    list: async () => pods.map((pod) => ({ ...pod })),
  }
}

/** `http://10.0.0.7:3000/` → id `10.0.0.7:3000`, url `http://10.0.0.7:3000` (default ports made explicit in the id). */
export function staticPod(raw: string): Pod {
  let url: URL
  try {
    url = new URL(raw)
  } catch (cause) {
    throw new Error(`[freshet] [static] "${raw}" is not a URL`, { cause })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`[freshet] [static] "${raw}": a pod URL is http:// or https://`)
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  const path = url.pathname.replace(/\/+$/, '')
  return { id: `${url.hostname}:${port}`, url: `${url.origin}${path}` }
}
