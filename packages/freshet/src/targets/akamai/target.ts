/**
 * The Akamai target: Fast Purge v3 (`POST /ccu/v3/{invalidate|delete}/{url|tag}/{network}`),
 * signed with EdgeGrid by Akamai's own `akamai-edgegrid` package. Paths are purged by URL under
 * each of `baseUrls`, tags by cache tag, each request under the 50,000-byte body limit. Akamai
 * reports no status after accepting: the invalidation is InProgress until its `estimatedSeconds`
 * have passed (the id carries that time, so tracking survives a restart). Fast Purge has no
 * prefix purge: a wildcard fails the batch with that reason.
 */
import { akamaiTag } from '@freshet/next/protocol'
import EdgeGrid from 'akamai-edgegrid'
import { z } from 'zod'
import { isWildcardItem } from '../../core/cdn-chunks.ts'
import { edgeTagsOption } from '../edge-tags.ts'
import { callApi, underBase } from '../http-errors.ts'
import { CdnError, type CdnTarget } from '../types.ts'

export const akamaiOptions = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .describe('The API client’s host, e.g. akab-xxxx.purge.akamaiapis.net (from .edgerc).'),
    clientToken: z.string().min(1).describe('EdgeGrid client_token.'),
    clientSecret: z.string().min(1).describe('EdgeGrid client_secret.'),
    accessToken: z.string().min(1).describe('EdgeGrid access_token.'),
    apiUrl: z
      .url()
      .optional()
      .describe('Where to send the requests (default https://<host>); the signature names host.'),
    network: z.enum(['production', 'staging']).default('production').describe('Which network.'),
    action: z
      .enum(['invalidate', 'delete'])
      .default('invalidate')
      .describe('invalidate (revalidate with the origin; the default) or delete (takedowns).'),
    baseUrls: z
      .array(z.url())
      .min(1)
      .describe('The site’s public origins; every path is purged under each.'),
    tags: z.boolean().default(true).describe('Purge by cache tag (Edge-Cache-Tag).'),
    edgeTags: edgeTagsOption,
  })
  .describe('An Akamai property, through Fast Purge v3.')

export type AkamaiOptions = z.infer<typeof akamaiOptions>

/** Bytes of a Fast Purge body Akamai accepts. */
export const MAX_BODY_BYTES = 50_000
export const akamaiLimits = { maxPaths: 500, maxWildcards: 1 }

const ADVICE = {
  400: 'Fast Purge refused the request shape',
  401: 'the EdgeGrid credentials (clientToken/clientSecret/accessToken/host) were refused',
  403: 'the API client lacks the CCU APIs grant, or this network or object',
  413: 'the body is over 50,000 bytes',
}

/** Objects in requests whose JSON stays under the body limit. */
export function bodies(objects: readonly string[], maxBytes = MAX_BODY_BYTES): string[][] {
  const out: string[][] = []
  let current: string[] = []
  let size = '{"objects":[]}'.length
  for (const object of objects) {
    const cost = JSON.stringify(object).length + 1
    if (current.length > 0 && size + cost > maxBytes) {
      out.push(current)
      current = []
      size = '{"objects":[]}'.length
    }
    current.push(object)
    size += cost
  }
  if (current.length > 0) out.push(current)
  return out
}

export interface AkamaiTargetOptions extends AkamaiOptions {
  /** Clock for `estimatedSeconds` (tests move it). */
  now?: () => number
}

export function akamaiTarget(options: AkamaiTargetOptions): CdnTarget {
  const now = options.now ?? Date.now
  const api = (options.apiUrl ?? `https://${options.host}`).replace(/\/+$/, '')
  const signer = new EdgeGrid(
    options.clientToken,
    options.clientSecret,
    options.accessToken,
    options.host,
  )
  async function purge(type: 'url' | 'tag', objects: string[], signal: AbortSignal) {
    const path = `/ccu/v3/${options.action}/${type}/${options.network}`
    const body = JSON.stringify({ objects })
    const signed = signer.auth({
      path,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    }).request as { headers: Record<string, string> }
    const answer = (await callApi(
      'akamai',
      `${path} (${objects.length} objects)`,
      `${api}${path}`,
      { method: 'POST', headers: signed.headers, body, signal },
      ADVICE,
    )) as { estimatedSeconds?: number; purgeId?: string }
    return { seconds: answer?.estimatedSeconds ?? 5, id: answer?.purgeId ?? '' }
  }
  return {
    name: 'akamai',
    distributionId: `akamai:${options.host}:${options.network}`,
    limits: akamaiLimits,
    layer: 2,
    // Edge-Cache-Tag takes fewer characters than the shared spelling: the site's header and
    // this purge both go through akamaiTag.
    edgeTag: akamaiTag,
    async create(request, signal) {
      const wildcard = request.items.find(isWildcardItem)
      if (wildcard)
        throw new CdnError(
          `[freshet] [akamai] ${options.host}: Fast Purge cannot purge by prefix (${wildcard}); tag the pages or turn off collapse for this layer`,
          { code: 'PrefixUnsupported', retryable: false },
        )
      const urls = request.items
        .filter((i) => !i.startsWith('#'))
        .flatMap((p) => options.baseUrls.map((base) => underBase(base, p)))
      const tags = request.items.filter((i) => i.startsWith('#')).map((t) => t.slice(1))
      let seconds = 0
      let id = request.callerReference
      for (const group of bodies(urls))
        ({ seconds, id } = max(seconds, await purge('url', group, signal)))
      for (const group of bodies(tags))
        ({ seconds, id } = max(seconds, await purge('tag', group, signal)))
      const due = now() + seconds * 1000
      return { id: `akamai:${id}@${due}`, status: seconds > 0 ? 'InProgress' : 'Completed' }
    },
    async get(invalidationId) {
      const due = Number(invalidationId.slice(invalidationId.lastIndexOf('@') + 1))
      return { id: invalidationId, status: now() >= due ? 'Completed' : 'InProgress' }
    },
  }
}

const max = (seconds: number, answer: { seconds: number; id: string }) => ({
  seconds: Math.max(seconds, answer.seconds),
  id: answer.id,
})
