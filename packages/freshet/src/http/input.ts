import type { Context } from 'hono'
import type { z } from 'zod'
import { parseJsonBody, validated } from '../sources/json.ts'

/**
 * What the admin API reads from a client, read through the same checks as every webhook body
 * (`sources/json.ts`): strings the store cannot keep and shapes the schema refuses are a 400
 * naming the field, before anything reaches the store or a Web API that throws on them.
 */

/** The query string (each parameter's first value) against its schema: 400 `invalid_query`. */
export const queryOf = <T>(c: Context, schema: z.ZodType<T>): T =>
  validated(c.req.query(), schema, 'invalid_query', '(query)')

/** A JSON body (`application/json`) against its schema: 400 `invalid_body` / `invalid_json`. */
export async function jsonBodyOf<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const rawBody = await c.req.text()
  return parseJsonBody(
    { method: c.req.method, url: c.req.url, headers: c.req.raw.headers, rawBody },
    schema,
  )
}
