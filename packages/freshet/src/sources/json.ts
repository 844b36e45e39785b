import type { z } from 'zod'
import { jsonProblem, MAX_JSON_DEPTH, nestsDeeperThan } from '../core/storable.ts'
import { badRequest, HttpError } from '../http/errors.ts'
import type { SourceRequest } from './types.ts'

/** Most validation issues an error lists: a body of 10,000 bad paths gets a short answer. */
const MAX_ISSUES = 20

/**
 * Parses a JSON body against a schema; every failure is a 400 naming what is wrong and where.
 * Every body of every source and of the API comes through here, so this is where a string the
 * store cannot keep (NUL, a lone surrogate) or nesting past the cap is refused, whatever field
 * it is in.
 */
export function parseJsonBody<T>(request: SourceRequest, schema: z.ZodType<T>): T {
  const type = request.headers.get('content-type') ?? ''
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(
      415,
      'unsupported_content_type',
      `expected application/json, got "${type || 'nothing'}"`,
    )
  }
  // Far too deep: refused before parsing builds it (just too deep: named by the walk below).
  if (nestsDeeperThan(request.rawBody, 2 * MAX_JSON_DEPTH)) {
    throw badRequest('invalid_body', `(body): nests deeper than ${MAX_JSON_DEPTH} levels`)
  }
  let value: unknown
  try {
    value = JSON.parse(request.rawBody)
  } catch (cause) {
    throw new HttpError(400, 'invalid_json', 'body is not valid JSON', { cause })
  }
  return validated(value, schema, 'invalid_body')
}

/**
 * A parsed value (a JSON body, a query string as an object) checked against a schema: first
 * that the store could keep every string in it, then its shape. Every failure is a 400 with
 * `code`, naming the field (`ids.0: contains a NUL…`). The one check of client input, for the
 * sources and the admin API alike.
 */
export function validated<T>(
  value: unknown,
  schema: z.ZodType<T>,
  code: string,
  whole = '(body)',
): T {
  const problem = jsonProblem(value)
  if (problem) throw badRequest(code, `${problem.path}: ${problem.message}`, [problem])
  const result = schema.safeParse(value)
  if (!result.success) {
    const issues = result.error.issues.slice(0, MAX_ISSUES).map((issue) => ({
      path: issue.path.join('.') || whole,
      message: issue.message,
    }))
    const first = issues[0]
    throw badRequest(
      code,
      first ? `${first.path}: ${first.message}` : 'the input does not match the expected shape',
      issues,
    )
  }
  return result.data
}
