/**
 * The Fastly target: one service. Tags are surrogate keys, purged in batches of up to 256
 * (`POST /service/{id}/purge`); paths are purged by URL under each of `baseUrls`
 * (`POST /purge/{host/path}`); `soft` sends `Fastly-Soft-Purge: 1`. Fastly has no prefix purge:
 * a wildcard fails the batch with that reason (turn `collapse`/widening off for Fastly, or tag
 * the pages). Purges take effect at once, so Completed at once.
 */
import { z } from 'zod'
import { isWildcardItem } from '../../core/cdn-chunks.ts'
import { edgeTagsOption } from '../edge-tags.ts'
import { callApi, groups, underBase } from '../http-errors.ts'
import { CdnError, type CdnTarget } from '../types.ts'

export const fastlyOptions = z
  .strictObject({
    serviceId: z
      .string()
      .regex(/^[A-Za-z0-9]+$/, 'a Fastly service id is letters and digits')
      .describe('Service id.'),
    apiToken: z.string().min(1).describe('API token with the purge_select scope.'),
    apiUrl: z.url().default('https://api.fastly.com').describe('Fastly’s API.'),
    baseUrls: z
      .array(z.url())
      .min(1)
      .describe('The site’s public origins; every path is purged under each.'),
    soft: z.boolean().default(false).describe('Soft purge: mark stale instead of evicting.'),
    tags: z.boolean().default(true).describe('Purge tags as surrogate keys.'),
    edgeTags: edgeTagsOption,
  })
  .describe('A Fastly service.')

export type FastlyOptions = z.infer<typeof fastlyOptions>

export const MAX_KEYS_PER_PURGE = 256
export const fastlyLimits = { maxPaths: 256, maxWildcards: 1 }

const ADVICE = {
  400: 'Fastly refused the request shape',
  401: 'the API token is wrong or lacks the purge_select scope',
  403: 'the API token may not purge this service',
  404: 'no such service: check cdn.fastly.serviceId',
}

export function fastlyTarget(options: FastlyOptions): CdnTarget {
  const api = options.apiUrl.replace(/\/+$/, '')
  const headers = {
    'fastly-key': options.apiToken,
    accept: 'application/json',
    ...(options.soft ? { 'fastly-soft-purge': '1' } : {}),
  }
  let lastId = ''
  async function post(where: string, url: string, signal: AbortSignal, body?: unknown) {
    const answer = await callApi(
      'fastly',
      `${where} on service ${options.serviceId}`,
      url,
      {
        method: 'POST',
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal,
      },
      ADVICE,
    )
    const id = (answer as { id?: string } | undefined)?.id
    if (id) lastId = id
  }
  return {
    name: 'fastly',
    distributionId: `fastly:${options.serviceId}`,
    limits: fastlyLimits,
    layer: 2,
    async create(request, signal) {
      const wildcard = request.items.find(isWildcardItem)
      if (wildcard)
        throw new CdnError(
          `[freshet] [fastly] service ${options.serviceId}: Fastly cannot purge by prefix (${wildcard}); tag the pages or turn off collapse for this layer`,
          { code: 'PrefixUnsupported', retryable: false },
        )
      const keys = request.items.filter((i) => i.startsWith('#')).map((t) => t.slice(1))
      for (const batch of groups(keys, MAX_KEYS_PER_PURGE))
        await post('surrogate-key purge', `${api}/service/${options.serviceId}/purge`, signal, {
          surrogate_keys: batch,
        })
      for (const path of request.items.filter((i) => !i.startsWith('#')))
        for (const base of options.baseUrls) {
          const cached = underBase(base, path).replace(/^https?:\/\//, '')
          await post('URL purge', `${api}/purge/${cached}`, signal)
        }
      return { id: `fastly:${lastId || request.callerReference}`, status: 'Completed' }
    },
    async get(invalidationId) {
      return { id: invalidationId, status: 'Completed' }
    },
  }
}
