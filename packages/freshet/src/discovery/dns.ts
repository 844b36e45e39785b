/**
 * DNS discovery: the A and AAAA records of a headless Service
 * (`web-headless.site.svc.cluster.local`), one record per ready pod. Resolved afresh on each
 * `list()`, and every `intervalMs` while someone watches.
 *
 * No records is not an error for `list()`: a headless Service with no ready pod has none, and
 * cluster DNS then answers NXDOMAIN (`ENOTFOUND`) or an empty answer (`ENODATA`). `list()`
 * returns `[]` and the reason goes to `onError` (once, until records come back), so a typo in
 * the name does not pass unnoticed. Any other failure (SERVFAIL, timeout, refused) throws: a
 * batch must not take "could not ask" for "no pods".
 */
import * as systemDns from 'node:dns/promises'
import { z } from 'zod'
import { hostPort, podListeners, podUrl, uniquePods } from './pods.ts'
import type { Discovery, Pod } from './types.ts'

export const dnsDiscoveryOptions = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('DNS name of a headless Service, e.g. web-headless.site.svc.cluster.local.'),
    port: z.number().int().min(1).max(65535).describe('Port the pods listen on, e.g. 3000.'),
    scheme: z.enum(['http', 'https']).default('http').describe('Scheme of the pod URLs.'),
    intervalSeconds: z
      .number()
      .positive()
      .default(10)
      .describe('How often the name is resolved again while pods are watched.'),
  })
  .describe('Pods from the A/AAAA records of a headless Service.')

/** What DNS discovery needs of a resolver: `node:dns/promises` or a `Resolver` instance. */
export interface ResolverLike {
  resolve4(hostname: string): Promise<string[]>
  resolve6(hostname: string): Promise<string[]>
}

export interface DnsDiscoveryOptions {
  name: string
  port: number
  scheme?: 'http' | 'https'
  /** Defaults to `node:dns/promises` (the system's resolv.conf servers). */
  resolver?: ResolverLike
  intervalMs?: number
  /** Failures of the watch loop and the "no records" notice. */
  onError?: (error: Error) => void
}

const noRecords = new Set(['ENOTFOUND', 'ENODATA'])

export function dnsDiscovery(options: DnsDiscoveryOptions): Discovery {
  const { name, port, scheme = 'http', resolver = systemDns, intervalMs = 10_000 } = options
  const onError = options.onError ?? ((error) => console.warn(error.message))
  let emptyReported = false

  async function resolve(signal?: AbortSignal): Promise<Pod[]> {
    const [v4, v6] = await abortable(
      Promise.all([family(resolver.resolve4(name), 'A'), family(resolver.resolve6(name), 'AAAA')]),
      signal,
    )
    const addresses = [...v4.addresses, ...v6.addresses]
    if (addresses.length === 0) {
      if (!emptyReported) onError(noRecordsError(name, v4.code ?? v6.code))
      emptyReported = true
      return []
    }
    emptyReported = false
    return uniquePods(
      addresses.map((ip) => ({ id: hostPort(ip, port), url: podUrl(scheme, ip, port) })),
    )
  }

  async function family(query: Promise<string[]>, type: 'A' | 'AAAA') {
    try {
      return { addresses: await query, code: undefined }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code && noRecords.has(code)) return { addresses: [], code }
      throw new Error(`[freshet] [dns] resolving ${type} records of ${name} failed: ${code}`, {
        cause: error,
      })
    }
  }

  const poller = createPoller(resolve, intervalMs, onError)
  return {
    name: 'dns',
    list: (signal) => resolve(signal),
    watch: (onChange) => poller.listeners.add(onChange),
    close: () => poller.close(),
  }
}

function noRecordsError(name: string, code: string | undefined): Error {
  return new Error(
    `[freshet] [dns] ${name} has no A or AAAA records (${code}): no ready pods, or a wrong name; listing no pods`,
  )
}

/** Resolves `name` every `intervalMs` while at least one listener watches. */
function createPoller(
  resolve: () => Promise<Pod[]>,
  intervalMs: number,
  onError: (error: Error) => void,
) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let active = false
  // Each start of the loop gets a generation, so a resolution still running from a stopped
  // loop cannot schedule a second loop beside the new one.
  let generation = 0

  const tick = async () => {
    try {
      listeners.update(await resolve())
    } catch (error) {
      onError(error as Error)
    }
  }
  const schedule = (loop: number) => {
    if (!active || loop !== generation) return
    running = tick().then(() => {
      // Rescheduled only after a resolution ends: a slow DNS server never stacks queries.
      if (active && loop === generation) timer = setTimeout(schedule, intervalMs, loop)
    })
  }
  const stop = () => {
    active = false
    clearTimeout(timer)
  }
  const listeners = podListeners(() => {
    active = true
    generation += 1
    schedule(generation)
  }, stop)

  return {
    listeners,
    async close() {
      stop()
      listeners.clear()
      await running
    },
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason)
    signal.addEventListener('abort', abort, { once: true })
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}
