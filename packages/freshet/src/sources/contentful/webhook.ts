import { z } from 'zod'
import type { ChangeAction, ItemChange } from '../../core/domain.ts'
import { badRequest, unauthorized } from '../../http/errors.ts'
import type { SignatureLedger } from '../../store/seen-signatures.ts'
import { parseJsonBody } from '../json.ts'
import type { Source, SourceDelivery, SourceRequest } from '../types.ts'
import { checkSignature } from './signature.ts'

/**
 * `POST /hooks/contentful`: signed webhook requests from Contentful. `verify` checks the
 * HMAC signature, its freshness, that it covers the topic and the content type, and that it was
 * not accepted before (in the store: across restarts and replicas); `parse` turns Entry and Asset
 * publish/unpublish/delete/archive/unarchive into changes and ignores drafts (create, save,
 * auto_save) and topics freshet has no use for.
 */

export const contentfulSourceOptions = z.strictObject({
  signingSecret: z
    .string()
    .length(64, 'a Contentful signing secret is exactly 64 characters')
    .regex(/^[0-9a-zA-Z+/=_-]+$/, 'a Contentful signing secret uses [0-9a-zA-Z+/=_-] only')
    .describe('Webhook signing secret (Settings → Webhooks → Settings → request verification)'),
  spaceId: z
    .string()
    .min(1)
    .optional()
    .describe('Space id; webhooks for another space are ignored, and the API reads from it'),
  environment: z
    .string()
    .min(1)
    .default('master')
    .describe('Environment id (or alias); webhooks for other environments are ignored'),
  accessToken: z
    .string()
    .min(1)
    .optional()
    .describe('Content Delivery API token, to read entries and find their parents'),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(30)
    .describe('How long a signature stays valid after its x-contentful-timestamp, in seconds'),
})

export type ContentfulSourceConfig = z.infer<typeof contentfulSourceOptions>

export interface ContentfulSourceOptions {
  signingSecret: string
  ttlSeconds?: number
  spaceId?: string
  /** Left out: webhooks of every environment are taken. */
  environment?: string
  /** Epoch milliseconds; injected by tests. */
  now?: () => number
  /**
   * Where accepted signatures are recorded: the store's ledger in the service, so a replay is
   * refused after a restart and by another replica. Left out: this process's memory.
   */
  firstSeen?: SignatureLedger
}

/** A Map, not an object: a topic `Entry.constructor` or `Entry.__proto__` must find nothing. */
const ITEM_ACTIONS: ReadonlyMap<string, ChangeAction> = new Map([
  ['publish', 'publish'],
  ['unpublish', 'unpublish'],
  ['delete', 'delete'],
  ['archive', 'archive'],
  ['unarchive', 'unarchive'],
])
const DRAFT_ACTIONS: ReadonlySet<string> = new Set(['create', 'save', 'auto_save'])

/** Headers the signature must cover: otherwise a captured publish replays as another topic. */
const MUST_BE_SIGNED = ['x-contentful-topic', 'content-type']

/**
 * A Contentful id as Contentful allows them (letters, digits, `.`, `_`, `-`, 1–64), and never
 * a dot segment, since ids become a segment of an API URL.
 */
export const contentfulId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a Contentful id: 1-64 of A-Z a-z 0-9 . _ -')
  .refine((id) => id !== '.' && id !== '..', 'must not be "." or ".."')

const link = z.object({ sys: z.object({ id: z.string().min(1).max(512) }) })
const idLink = z.object({ sys: z.object({ id: contentfulId }) })

const contentfulBody = z.object({
  sys: z.object({
    type: z.enum(['Entry', 'Asset', 'DeletedEntry', 'DeletedAsset']),
    id: contentfulId,
    contentType: idLink.optional(),
    space: link.optional(),
    environment: link.optional(),
    updatedBy: link.optional(),
    deletedBy: link.optional(),
    revision: z.number().int().min(0).optional(),
  }),
  fields: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
})
type ContentfulBody = z.infer<typeof contentfulBody>

/** Remembers accepted signatures in memory until they expire (no store: tests, dry runs). */
function memoryLedger(limit = 100_000): SignatureLedger {
  const seen = new Map<string, number>()
  return async (signature, expiresAt, now) => {
    if (seen.has(signature)) return false
    if (seen.size >= limit) {
      // Drop the expired, then (only under a flood of valid requests) the oldest half.
      for (const [key, at] of seen) if (at <= now || seen.size > limit / 2) seen.delete(key)
    }
    seen.set(signature, expiresAt)
    return true
  }
}

export function contentfulSource(options: ContentfulSourceOptions): Source {
  const ttlMs = (options.ttlSeconds ?? 30) * 1000
  const now = options.now ?? Date.now
  const firstSeen = options.firstSeen ?? memoryLedger()
  return {
    name: 'contentful',
    async verify(request: SourceRequest) {
      const url = safeUrl(request.url)
      const input = {
        method: request.method,
        path: url ? `${url.pathname}${url.search}` : '/',
        headers: request.headers,
        body: request.rawBody,
      }
      const at = now()
      const check = checkSignature(options.signingSecret, input, ttlMs, at)
      if (!check.ok) throw unauthorized(`contentful: ${check.reason}`)
      const unsigned = MUST_BE_SIGNED.filter((name) => !check.signedHeaders.includes(name))
      if (unsigned.length > 0) {
        throw unauthorized(
          `contentful: ${unsigned.join(' and ')} not among x-contentful-signed-headers (unsigned)`,
        )
      }
      // Kept until the latest moment the signature check could still pass it.
      if (!(await firstSeen(check.signature, check.timestamp + ttlMs, at))) {
        throw unauthorized('contentful: replayed request (this signature was already accepted)')
      }
    },
    parse(request: SourceRequest): SourceDelivery {
      const deliveryKey = request.headers.get('x-contentful-idempotency-key') ?? undefined
      if (deliveryKey && deliveryKey.length > 512) {
        throw badRequest('invalid_header', 'X-Contentful-Idempotency-Key is over 512 characters')
      }
      const topic = parseTopic(request.headers.get('x-contentful-topic'))
      if ('ignored' in topic) {
        // Still a well-formed request, or a 4xx: the answer must not depend on the topic.
        parseJsonBody(request, z.unknown())
        return { ignored: topic.ignored, deliveryKey }
      }
      const body = parseJsonBody(request, contentfulBody)
      const elsewhere = otherSpaceOrEnvironment(body, options)
      if (elsewhere) return { ignored: elsewhere, deliveryKey }
      const change = toChange(body, topic, request.headers, deliveryKey)
      return { changes: [change], deliveryKey }
    },
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

type Topic = { entity: 'Entry' | 'Asset'; action: ChangeAction; name: string } | { ignored: string }

/** `ContentManagement.<Type>.<action>`; drafts and other types are ignored, garbage is a 400. */
function parseTopic(header: string | null): Topic {
  if (!header) throw badRequest('missing_topic', 'missing X-Contentful-Topic header')
  const match = /^ContentManagement\.([A-Za-z]+)\.([A-Za-z_]+)$/.exec(header)
  if (!match) {
    throw badRequest('invalid_topic', 'X-Contentful-Topic is not ContentManagement.<Type>.<action>')
  }
  const [, entity = '', verb = ''] = match
  if (entity !== 'Entry' && entity !== 'Asset') {
    return { ignored: `topic ${header}: freshet acts on Entry and Asset topics only` }
  }
  if (DRAFT_ACTIONS.has(verb))
    return { ignored: `topic ${header}: a draft change, nothing published` }
  const action = ITEM_ACTIONS.get(verb)
  if (!action) return { ignored: `topic ${header}: not an action freshet acts on` }
  return { entity, action, name: header }
}

function otherSpaceOrEnvironment(
  body: ContentfulBody,
  options: ContentfulSourceOptions,
): string | undefined {
  const space = body.sys.space?.sys.id
  const environment = body.sys.environment?.sys.id
  if (options.spaceId && space && space !== options.spaceId) {
    return `space ${space} is not the configured space`
  }
  if (options.environment && environment && environment !== options.environment) {
    return `environment ${environment} is not ${options.environment}`
  }
  return undefined
}

function toChange(
  body: ContentfulBody,
  topic: Extract<Topic, { entity: string }>,
  headers: Headers,
  deliveryKey: string | undefined,
): ItemChange {
  const { sys } = body
  const isEntry = sys.type === 'Entry' || sys.type === 'DeletedEntry'
  if (isEntry !== (topic.entity === 'Entry')) {
    throw badRequest('topic_mismatch', `topic ${topic.name} does not match sys.type ${sys.type}`)
  }
  const collection = isEntry ? sys.contentType?.sys.id : 'Asset'
  if (!collection) {
    throw badRequest('invalid_body', 'sys.contentType.sys.id: required for an entry')
  }
  const scheduledActionId = headers.get('x-contentful-scheduled-action-id') ?? undefined
  const actor = (sys.deletedBy ?? sys.updatedBy)?.sys.id
  return {
    kind: 'item',
    source: 'contentful',
    collection,
    id: sys.id,
    action: topic.action,
    ...(body.fields ? { fields: body.fields } : {}),
    provenance: withoutUndefined({
      topic: topic.name,
      deliveryKey,
      scheduledActionId,
      actor,
      revision: sys.revision,
    }),
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
