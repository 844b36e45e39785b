import type { z } from 'zod'
import { badRequest, HttpError } from '../http/errors.ts'
import type { SourceRequest } from './types.ts'

/** Parses a JSON body against a schema; every failure is a 400 naming what is wrong and where. */
export function parseJsonBody<T>(request: SourceRequest, schema: z.ZodType<T>): T {
  const type = request.headers.get('content-type') ?? ''
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(
      415,
      'unsupported_content_type',
      `expected application/json, got "${type || 'nothing'}"`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(request.rawBody)
  } catch (cause) {
    throw new HttpError(400, 'invalid_json', 'body is not valid JSON', { cause })
  }
  const result = schema.safeParse(value)
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(body)',
      message: issue.message,
    }))
    const first = issues[0]
    throw badRequest(
      'invalid_body',
      first ? `${first.path}: ${first.message}` : 'body does not match the expected shape',
      issues,
    )
  }
  return result.data
}
