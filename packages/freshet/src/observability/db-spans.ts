/**
 * Client spans for the embedded store's queries. PostgreSQL's come from
 * `@opentelemetry/instrumentation-pg`, which patches the `pg` driver; PGlite is no `pg` client,
 * so its adapter wraps each query here. The spans follow the database conventions for
 * PostgreSQL (PGlite is PostgreSQL) and take the pg instrumentation's names, so a query reads
 * the same on both stores. Parameter values are never recorded: they hold content and tokens.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { tracingOn } from './tracing.ts'

/** PGlite's database unless it is given another (its `PGDATABASE`). */
const DATABASE = 'postgres'

/**
 * `pg.query:SELECT postgres`, as the pg instrumentation names a query: by the statement's name
 * where the caller gives one (PGlite prepares nothing with it, but it is the same query), else
 * by its first word.
 */
function spanName(text: string, name: string | undefined): string {
  const verb = name ?? /^\s*([^\s;]+)/.exec(text)?.[1]?.toUpperCase()
  return verb ? `pg.query:${verb} ${DATABASE}` : 'pg.query'
}

/**
 * Runs `query` in a span of the active trace; outside any span it runs as it is, as the pg
 * instrumentation does with `requireParentSpan`, or pg-boss's polling would be a trace a second.
 * `schema` is the store's, set once when it opened.
 */
export function inQuerySpan<T>(
  schema: string,
  text: string,
  query: () => Promise<T>,
  name?: string,
): Promise<T> {
  // Not async: untraced, the query's own promise goes back, with no extra turn of the queue.
  if (!tracingOn() || !trace.getActiveSpan()) return query()
  return traced(schema, text, query, name)
}

async function traced<T>(schema: string, text: string, query: () => Promise<T>, name?: string) {
  const span = trace.getTracer('freshet').startSpan(spanName(text, name), {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql',
      // `{database}|{schema}`, as the PostgreSQL conventions spell it.
      'db.namespace': `${DATABASE}|${schema}`,
      // Parameterised text; the conventions keep `db.operation.name` for what the API names,
      // never parsed from the text.
      'db.query.text': text,
    },
  })
  try {
    return await query()
  } catch (error) {
    // The SQLSTATE only: PostgreSQL's messages can quote a value (invalid input syntax…).
    const code = (error as { code?: unknown }).code
    const sqlState = typeof code === 'string' ? code : undefined
    span.setAttributes({
      'error.type': sqlState ?? '_OTHER',
      ...(sqlState ? { 'db.response.status_code': sqlState } : {}),
    })
    span.setStatus({ code: SpanStatusCode.ERROR })
    throw error
  } finally {
    span.end()
  }
}
