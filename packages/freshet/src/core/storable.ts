/**
 * What the store can keep of a parsed JSON body. PostgreSQL's (and PGlite's) `jsonb` refuses a
 * string, or an object key, holding `\u0000` or a lone UTF-16 surrogate (`\ud800` without its
 * pair): JSON.parse takes both, so a body that passed validation would fail its insert, and
 * take the requests written in the same statement with it. Checked once, where bodies are
 * parsed, with a cap on nesting so a body of `[[[[…` costs no stack. Pure.
 */

/** Deepest nesting of arrays and objects a body may have (a Contentful rich-text field nests ~20). */
export const MAX_JSON_DEPTH = 64

export interface JsonProblem {
  /** Where, as the body's keys and indices joined with dots (`keys.3`, `payload.title`). */
  path: string
  message: string
}

/** Why a string cannot be stored, or undefined. */
export function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored'
  if (LONE_SURROGATE.test(value)) {
    return 'contains a lone UTF-16 surrogate (half of a \\ud800-\\udfff pair), which cannot be stored'
  }
  return undefined
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key))

/**
 * The first thing in a parsed JSON value the store cannot keep, or nesting deeper than
 * `maxDepth`; undefined when all of it can be stored. Iterative: depth costs no stack.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }]
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value: current, path, depth } = item
    if (typeof current === 'string') {
      const problem = stringProblem(current)
      if (problem) return { path: path || '(body)', message: problem }
      continue
    }
    if (typeof current !== 'object' || current === null) continue
    if (depth >= maxDepth) {
      return { path: path || '(body)', message: `nests deeper than ${maxDepth} levels` }
    }
    const entries = Array.isArray(current)
      ? current.map((v, i) => [i, v] as const)
      : Object.entries(current)
    for (const [key] of entries) {
      const problem = typeof key === 'string' ? stringProblem(key) : undefined
      if (problem) return { path: path || '(body)', message: `a key ${problem}` }
    }
    // Reversed onto the stack, so the first problem in document order is the one reported.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as readonly [string | number, unknown]
      stack.push({ value: child, path: join(path, key), depth: depth + 1 })
    }
  }
  return undefined
}

/**
 * Whether JSON text nests deeper than `max`, read without parsing it: a body of 400,000 `[`
 * would otherwise become 400,000 arrays before the walk above could refuse it. Counts brackets
 * outside strings; for text that is not JSON the answer does not matter (JSON.parse refuses it).
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}
