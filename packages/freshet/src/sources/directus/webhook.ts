import { z } from 'zod'
import type { ChangeAction, ItemChange } from '../../core/domain.ts'
import { publishSchedule } from '../../core/schedule.ts'
import { badRequest, unauthorized } from '../../http/errors.ts'
import { bearerToken, secretMatches } from '../auth.ts'
import { parseJsonBody } from '../json.ts'
import type { Source, SourceDelivery, SourceRequest } from '../types.ts'

/**
 * `POST /hooks/directus`: the `{{$trigger}}` of a Directus Flow (Event Hook trigger, Request URL
 * operation), or the body of the Webhooks module of Directus < 12. Directus does not sign
 * requests; the Flow sends a shared secret as `Authorization: Bearer` or `?secret=`.
 *
 * Shapes, from Directus' ItemsService and emitter (`{ event, ...meta }`):
 * - create: `{ event: "articles.items.create", payload, key, collection }`
 * - update: `{ event: "articles.items.update", payload (changed fields only), keys, collection }`
 * - delete: `{ event: "articles.items.delete", payload: keys, keys, collection }`
 * - old webhooks: `{ event: "items.create", accountability: {user, role}, payload, key, collection }`
 */

export const directusSourceOptions = z.strictObject({
  secret: z
    .string()
    .min(16, 'use a secret of at least 16 characters')
    .describe(
      'Shared secret the Flow sends as Authorization: Bearer <secret> or ?secret=; at least 16 characters, e.g. from `openssl rand -hex 32`',
    ),
  url: z
    .url()
    .optional()
    .describe(
      'Directus base URL (REST API), to read items, relations and scheduled publishes, e.g. https://cms.example.com',
    ),
  token: z
    .string()
    .min(1)
    .optional()
    .describe('Static token of a Directus user allowed to read the routed collections'),
  schedule: publishSchedule
    .optional()
    .describe('Publish-date fields: delay invalidation until then, and sweep for items gone live'),
})

export type DirectusSourceConfig = z.infer<typeof directusSourceOptions>

export interface DirectusSourceOptions {
  secret: string
}

/** Most keys one delivery may carry (Directus batches an update or delete of many items). */
export const MAX_DIRECTUS_KEYS = 10_000

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** Why a Directus key or collection name could shape a URL, or undefined when it cannot. */
function directusNameProblem(value: string): string | undefined {
  if (value === '.' || value === '..') return 'must not be "." or ".."'
  if (value.includes('/')) return 'must not contain "/"'
  if (CONTROL.test(value)) return 'must not contain control characters'
  return undefined
}

/**
 * A key or a collection as Directus has them: an integer, a UUID, or a string that is not a dot
 * segment and holds no `/` or control character. Each becomes one segment of an API URL.
 */
const directusName = z
  .string()
  .min(1)
  .max(512)
  .superRefine((value, ctx) => {
    const problem = directusNameProblem(value)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

const primaryKey = z.union([
  directusName,
  z.number().int().refine(Number.isSafeInteger, 'a numeric key must be a safe integer'),
])

const directusBody = z.object({
  event: z.string().min(1).max(512),
  collection: directusName.optional(),
  key: primaryKey.optional(),
  keys: z.array(primaryKey).max(MAX_DIRECTUS_KEYS).optional(),
  payload: z.unknown().optional(),
  accountability: z
    .object({ user: z.string().nullish() })
    .nullish()
    .describe('Sent by the old Webhooks module; a Flow has it in $accountability'),
})
type DirectusBody = z.infer<typeof directusBody>

const ACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'delete'])

export function directusSource(options: DirectusSourceOptions): Source {
  return {
    name: 'directus',
    verify(request: SourceRequest) {
      const bearer = secretMatches(bearerToken(request.headers), options.secret)
      const query = secretMatches(querySecret(request.url), options.secret)
      if (!bearer && !query) {
        throw unauthorized('directus: missing or wrong secret (Authorization: Bearer or ?secret=)')
      }
    },
    parse(request: SourceRequest): SourceDelivery {
      const body = parseJsonBody(request, directusBody)
      const event = parseEvent(body)
      if ('ignored' in event) return event
      return { changes: toChanges(body, event.collection, event.action) }
    },
  }
}

function querySecret(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('secret') ?? undefined
  } catch {
    return undefined
  }
}

type ParsedEvent = { collection: string; action: ChangeAction } | { ignored: string }

/**
 * `<collection>.items.<action>` (Flow), `items.<action>` + `collection` (old webhooks), or
 * `<scope>.<action>` for a system collection (`files.update` with `collection: directus_files`).
 */
function parseEvent(body: DirectusBody): ParsedEvent {
  const match = /^(?:(.+)\.)?items\.([a-z_]+)$/.exec(body.event)
  const system = /^([a-z_]+)\.([a-z_]+)$/.exec(body.event)
  let named: string | undefined
  let action: string
  if (match) {
    named = match[1]
    action = match[2] ?? ''
  } else if (system && body.collection === `directus_${system[1]}`) {
    action = system[2] ?? ''
  } else {
    throw badRequest('invalid_event', 'event: expected "<collection>.items.<action>"')
  }
  if (named && body.collection && named !== body.collection) {
    throw badRequest('invalid_event', 'event names another collection than "collection"')
  }
  const collection = body.collection ?? named
  if (!collection) throw badRequest('invalid_body', 'collection: required with "items.<action>"')
  const problem = directusNameProblem(collection)
  if (problem) throw badRequest('invalid_event', `event: the collection ${problem}`)
  if (!ACTIONS.has(action)) {
    return { ignored: `event ${body.event}: not a create, update or delete` }
  }
  return { collection, action: action as ChangeAction }
}

function toChanges(body: DirectusBody, collection: string, action: ChangeAction): ItemChange[] {
  const keys = body.keys ?? (body.key === undefined ? [] : [body.key])
  if (keys.length === 0) throw badRequest('invalid_body', 'keys: give "key" or a non-empty "keys"')
  // A delete's payload is its keys; only a create or update carries fields.
  const fields = action !== 'delete' && isPlainObject(body.payload) ? body.payload : undefined
  const actor = body.accountability?.user ?? undefined
  const provenance = { topic: body.event, ...(actor ? { actor } : {}) }
  const ids = [...new Set(keys.map(String))]
  return ids.map((id) => ({
    kind: 'item',
    source: 'directus',
    collection,
    id,
    action,
    ...(fields ? { fields } : {}),
    provenance,
  }))
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
