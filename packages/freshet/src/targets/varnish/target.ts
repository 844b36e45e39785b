/**
 * The Varnish target: every Varnish instance (a list of URLs, or a headless Service resolved like
 * pods), through freshet's VCL (`deploy/varnish/freshet.vcl`):
 *
 * - a path `/a`: `PURGE /a` (the VCL purges the page's `path:/a` xkey: every variant of it);
 * - a wildcard `/blog/*`: `PURGE /` with `x-freshet-ban: ^/blog/` (a ban; regex escaped here);
 * - tags: one `PURGE` with `xkey-purge: t1 t2 …` (space-separated, as xkey takes them);
 * - `soft`: `x-freshet-soft: 1`, xkey soft purge (stale kept for grace) instead of eviction.
 *
 * A purge is done when every instance answered 2xx, so the invalidation is Completed at once: an
 * outer layer purged after this never refills from a stale Varnish.
 */
import { z } from 'zod'
import { isWildcardItem } from '../../core/cdn-chunks.ts'
import { dnsDiscovery, dnsDiscoveryOptions } from '../../discovery/dns.ts'
import { edgeTagsOption } from '../edge-tags.ts'
import { httpError, networkError } from '../http-errors.ts'
import { CdnError, type CdnTarget, type InvalidationState } from '../types.ts'

export const varnishOptions = z
  .strictObject({
    urls: z
      .array(z.url())
      .min(1)
      .optional()
      .describe('Each Varnish instance, e.g. ["http://varnish-0.varnish:6081"].'),
    dns: dnsDiscoveryOptions
      .optional()
      .describe('Or: the instances behind a headless Service, resolved like pods.'),
    tags: z.boolean().default(true).describe('Purge tags through xkey (the VCL tags objects).'),
    edgeTags: edgeTagsOption,
    soft: z
      .boolean()
      .default(false)
      .describe('Soft purge: objects go stale (served in grace) instead of being evicted.'),
    timeoutMs: z.number().int().positive().default(10_000).describe('Per-request timeout.'),
  })
  .refine((o) => (o.urls === undefined) !== (o.dns === undefined), {
    message: 'give exactly one of urls or dns',
  })
  .describe('Varnish instances running deploy/varnish/freshet.vcl (xkey).')

export type VarnishOptions = z.infer<typeof varnishOptions>

/** Paths per request chunk: each is its own PURGE, so this only bounds one record's size. */
export const varnishLimits = { maxPaths: 1000, maxWildcards: 100 }

export interface VarnishTargetOptions {
  /** The instances' base URLs, resolved at each purge (a Service's may change). */
  instances: () => Promise<string[]>
  /** Names this target among the others: `varnish:<urls>` or `varnish:<service>:<port>`. */
  id: string
  soft?: boolean
  timeoutMs?: number
}

const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')

/** One request per path, one per wildcard, one for all the tags: what an instance is sent. */
export function varnishRequests(items: readonly string[], soft: boolean) {
  const softHeader: Record<string, string> = soft ? { 'x-freshet-soft': '1' } : {}
  const tags = items.filter((i) => i.startsWith('#')).map((i) => i.slice(1))
  const requests: { method: string; path: string; headers: Record<string, string> }[] = []
  for (const item of items) {
    if (item.startsWith('#')) continue
    if (isWildcardItem(item)) {
      const prefix = `^${escapeRegex(item.slice(0, -1))}`
      requests.push({ method: 'PURGE', path: '/', headers: { 'x-freshet-ban': prefix } })
    } else requests.push({ method: 'PURGE', path: item, headers: softHeader })
  }
  if (tags.length > 0)
    requests.push({
      method: 'PURGE',
      path: '/',
      headers: { ...softHeader, 'xkey-purge': tags.join(' ') },
    })
  return requests
}

export function varnishTarget(options: VarnishTargetOptions): CdnTarget {
  const { id, soft = false, timeoutMs = 10_000 } = options
  async function send(
    base: string,
    request: ReturnType<typeof varnishRequests>[number],
    signal: AbortSignal,
  ) {
    const url = new URL(request.path, base)
    const where = `${request.method} ${url.pathname} on ${base}`
    let answer: Response
    try {
      answer = await fetch(url, {
        method: request.method,
        headers: request.headers,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      })
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw networkError('varnish', where, error)
    }
    const body = await answer.text()
    if (!answer.ok)
      throw httpError(
        'varnish',
        where,
        answer,
        {
          405: "this address is not in the VCL's purge ACL (acl purgers in freshet.vcl)",
          501: 'the instance does not run freshet.vcl (no PURGE handling)',
        },
        body.match(/<title>([^<]*)<\/title>/)?.[1] ?? answer.statusText,
      )
  }
  return {
    name: 'varnish',
    distributionId: id,
    limits: varnishLimits,
    layer: 1,
    async create(request, signal): Promise<InvalidationState> {
      const bases = await options.instances()
      if (bases.length === 0)
        throw new CdnError(`[freshet] [varnish] ${id}: no Varnish instance found`, {
          code: 'NoInstances',
          retryable: true,
        })
      const requests = varnishRequests(request.items, soft)
      // Instances in parallel, each one's requests in order: a retry repeats them, harmlessly.
      await Promise.all(
        bases.map(async (base) => {
          for (const r of requests) await send(base, r, signal)
        }),
      )
      return { id: `varnish:${request.callerReference}`, status: 'Completed' }
    },
    async get(invalidationId) {
      // Purges are synchronous: once created, done.
      return { id: invalidationId, status: 'Completed' }
    },
  }
}

/** The target for one `cdn.varnish` entry. */
export function varnishTargetFor(options: VarnishOptions): CdnTarget {
  if (options.urls) {
    const urls = options.urls.map((u) => u.replace(/\/+$/, ''))
    return varnishTarget({
      id: `varnish:${urls.join(',')}`,
      instances: async () => urls,
      soft: options.soft,
      timeoutMs: options.timeoutMs,
    })
  }
  const dns = options.dns
  if (!dns) throw new Error('[freshet] [varnish] give exactly one of urls or dns')
  const discovery = dnsDiscovery({ name: dns.name, port: dns.port, scheme: dns.scheme })
  return varnishTarget({
    id: `varnish:${dns.name}:${dns.port}`,
    instances: async () => (await discovery.list()).map((pod) => pod.url),
    soft: options.soft,
    timeoutMs: options.timeoutMs,
  })
}
