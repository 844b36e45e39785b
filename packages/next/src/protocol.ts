/**
 * The pod protocol (DESIGN.md "Pod protocol"), pure: request parsing, answer shapes, status.
 *
 * POST `{"paths": [...], "tags": [...]}` → `{"paths": [{path, ok, error?}], "tags": [{tag, ok,
 * error?}], "buildId"}`: **200** when every path and tag is ok, **207** when any failed (still
 * 2xx with a result per item, so a client reads which ones to retry). Bad input: **400**
 * `{"error": {"code", "message"}}`.
 */

// Tag spelling both sides share (freshet purges what the site's objects carry).
export {
  akamaiTag,
  bucketTag,
  edgeTag,
  layerTagHeaders,
  objectTags,
  purgeTagsFor,
} from './layer-tags.ts'

export interface RevalidateBody {
  paths: string[]
  tags: string[]
}

export interface PathResult {
  path: string
  ok: boolean
  error?: string
}

export interface TagResult {
  tag: string
  ok: boolean
  error?: string
}

export interface RevalidateAnswer {
  paths: PathResult[]
  tags: TagResult[]
  buildId: string | undefined
}

export interface BuildInfo {
  buildId: string
  /** ISO time of the build: the mtime of `.next/BUILD_ID`, written by `next build`. */
  buildTime: string
}

export interface ErrorAnswer {
  error: { code: string; message: string }
}

/**
 * The protocol's limits, the one place both sides read them (`@freshet/next/protocol`): freshet
 * accepts from a CMS only what a pod accepts, and sends at most `MAX_ITEMS` per request.
 */
export const MAX_ITEMS = 1000
export const MAX_PATH_LENGTH = 2048
export const MAX_TAG_LENGTH = 256

/** A request the handler refuses, with the status and the code the answer carries. */
export class ProtocolError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ProtocolError'
    this.status = status
    this.code = code
  }
}

const bad = (code: string, message: string) => new ProtocolError(400, code, message)

export const errorAnswer = (error: ProtocolError): ErrorAnswer => ({
  error: { code: error.code, message: error.message },
})

/** 200 when everything is confirmed, 207 (Multi-Status) when any path or tag failed. */
export function statusOf(answer: Pick<RevalidateAnswer, 'paths' | 'tags'>): 200 | 207 {
  const allOk = [...answer.paths, ...answer.tags].every((result) => result.ok)
  return allOk ? 200 : 207
}

/** Parses a raw body; throws a `ProtocolError` naming what is wrong. */
export function parseRevalidateText(text: string): RevalidateBody {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw bad('invalid_json', `body is not valid JSON: ${(cause as Error).message}`)
  }
  return parseRevalidateBody(value)
}

/** Validates a parsed body: `{"paths"?: string[], "tags"?: string[]}`, not both empty. */
export function parseRevalidateBody(value: unknown): RevalidateBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('invalid_body', 'body must be a JSON object {"paths": [...], "tags": [...]}')
  }
  const record = value as Record<string, unknown>
  const unknown = Object.keys(record).filter((key) => key !== 'paths' && key !== 'tags')
  if (unknown.length > 0) {
    throw bad('unknown_field', `unknown field "${unknown[0]}": only "paths" and "tags" are read`)
  }
  const paths = stringList(record.paths, 'paths').map(checkPath)
  const tags = stringList(record.tags, 'tags').map(checkTag)
  if (paths.length === 0 && tags.length === 0) {
    throw bad('empty_request', 'nothing to revalidate: "paths" and "tags" are both empty')
  }
  return { paths: [...new Set(paths)], tags: [...new Set(tags)] }
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw bad('invalid_body', `"${field}" must be an array of strings`)
  if (value.length > MAX_ITEMS) {
    throw bad('too_many', `"${field}" has ${value.length} items; at most ${MAX_ITEMS} a request`)
  }
  value.forEach((item, index) => {
    if (typeof item !== 'string') {
      throw bad('invalid_body', `"${field}[${index}]" must be a string, got ${typeof item}`)
    }
  })
  return value as string[]
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f]/

function checkPath(path: string, index: number): string {
  const where = `"paths[${index}]" (${JSON.stringify(path.slice(0, 80))})`
  if (!path.startsWith('/') || path.startsWith('//')) {
    throw bad('invalid_path', `${where} must start with a single "/", e.g. "/articles/hello"`)
  }
  if (path.length > MAX_PATH_LENGTH || CONTROL_OR_SPACE.test(path) || /[?#]/.test(path)) {
    throw bad('invalid_path', `${where} must be a path without spaces, "?" or "#"`)
  }
  return path
}

function checkTag(tag: string, index: number): string {
  const where = `"tags[${index}]" (${JSON.stringify(tag.slice(0, 80))})`
  if (tag.length === 0 || tag.length > MAX_TAG_LENGTH || CONTROL_OR_SPACE.test(tag)) {
    throw bad('invalid_tag', `${where} must be 1–${MAX_TAG_LENGTH} characters without spaces`)
  }
  return tag
}
