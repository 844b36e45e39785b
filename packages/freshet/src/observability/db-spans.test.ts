import { expect, it } from 'vitest'
import { inQuerySpan } from './db-spans.ts'

it("hands back the query's own promise when tracing is off: no span, no extra turn", () => {
  const query = Promise.resolve({ rows: [] })
  expect(inQuerySpan('public', 'SELECT 1', () => query)).toBe(query)
})
