/**
 * The Cloudflare target: one zone through the v4 API's `purge_cache`. Paths are purged by URL
 * under each of `baseUrls` (`files`), wildcards by prefix (`prefixes`: host/path, no scheme) or,
 * for the whole site under an origin without a path, by hostname (`hosts`), tags by `tags`: one kind per request and at most `maxOperations` (100, the documented limit)
 * each. Instant Purge: done when the API answers success, so Completed at once.
 */
import { z } from 'zod'
import { isWildcardItem } from '../../core/cdn-chunks.ts'
import { edgeTagsOption } from '../edge-tags.ts'
import { callApi, groups, underBase } from '../http-errors.ts'
import { CdnError, type CdnTarget } from '../types.ts'

export const cloudflareOptions = z
  .strictObject({
    zoneId: z
      .string()
      .regex(/^[0-9a-f]{32}$/, 'a Cloudflare zone id is 32 hex digits')
      .describe('Zone id.'),
    apiToken: z.string().min(1).describe('API token with the Zone › Cache Purge permission.'),
    apiUrl: z.url().default('https://api.cloudflare.com/client/v4').describe('The v4 API.'),
    baseUrls: z
      .array(z.url())
      .min(1)
      .describe('The site’s public origins; every path is purged under each.'),
    tags: z.boolean().default(true).describe('Purge tags (the site sends Cache-Tag).'),
    edgeTags: edgeTagsOption,
    maxOperations: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('Files, tags or prefixes per request (100 on every plan; Enterprise URLs 500).'),
  })
  .describe('A Cloudflare zone.')

export type CloudflareOptions = z.infer<typeof cloudflareOptions>

export const cloudflareLimits = { maxPaths: 1000, maxWildcards: 1000 }

const ADVICE = {
  400: 'Cloudflare refused the request shape or a value',
  403: 'the API token is wrong or lacks Zone › Cache Purge on this zone',
  404: 'no such zone: check cdn.cloudflare.zoneId',
}

/**
 * Wildcards as Cloudflare takes them: the whole site (`/*`) under an origin without a path is a
 * purge by hostname (`hosts`, one operation instead of a prefix match); any other wildcard is a
 * prefix (host/path, no scheme).
 */
export function wildcardPurges(
  wildcards: readonly string[],
  options: Pick<CloudflareOptions, 'baseUrls'>,
): { hosts: string[]; prefixes: string[] } {
  const hosts = new Set<string>()
  const prefixes: string[] = []
  for (const wildcard of wildcards)
    for (const base of options.baseUrls) {
      const origin = new URL(base)
      if (wildcard === '/*' && origin.pathname === '/') hosts.add(origin.hostname)
      else prefixes.push(underBase(base, wildcard.slice(0, -1)).replace(/^https?:\/\//, ''))
    }
  return { hosts: [...hosts], prefixes }
}

export function cloudflareTarget(options: CloudflareOptions): CdnTarget {
  const endpoint = `${options.apiUrl.replace(/\/+$/, '')}/zones/${options.zoneId}/purge_cache`
  const where = `purge_cache on zone ${options.zoneId}`
  async function purge(body: Record<string, string[]>, signal: AbortSignal): Promise<string> {
    const answer = (await callApi(
      'cloudflare',
      where,
      endpoint,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.apiToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        signal,
      },
      ADVICE,
    )) as { success?: boolean; result?: { id?: string }; errors?: { message?: string }[] }
    if (answer?.success !== true)
      throw new CdnError(
        `[freshet] [cloudflare] ${where}: not a success (${JSON.stringify(answer?.errors ?? [])})`,
        {
          code: 'NotSuccess',
          retryable: false,
        },
      )
    return answer.result?.id ?? ''
  }
  return {
    name: 'cloudflare',
    distributionId: `cloudflare:${options.zoneId}`,
    limits: cloudflareLimits,
    layer: 2,
    async create(request, signal) {
      const paths = request.items.filter((i) => !i.startsWith('#') && !isWildcardItem(i))
      const { hosts, prefixes } = wildcardPurges(request.items.filter(isWildcardItem), options)
      const files = paths.flatMap((p) => options.baseUrls.map((base) => underBase(base, p)))
      const tags = request.items.filter((i) => i.startsWith('#')).map((t) => t.slice(1))
      const bodies = [
        ...groups(files, options.maxOperations).map((files) => ({ files })),
        ...groups(prefixes, options.maxOperations).map((prefixes) => ({ prefixes })),
        ...groups(hosts, options.maxOperations).map((hosts) => ({ hosts })),
        ...groups(tags, options.maxOperations).map((tags) => ({ tags })),
      ]
      let id = ''
      for (const body of bodies) id = await purge(body, signal)
      return { id: `cloudflare:${id || request.callerReference}`, status: 'Completed' }
    },
    async get(invalidationId) {
      return { id: invalidationId, status: 'Completed' }
    },
  }
}
