/**
 * Config validation problems as a user reads them: one line each, with the full key path
 * (`cdn.cloudfront[0].distributionId`), what was found and what is expected, with the example
 * from the key's own documentation (`required, e.g. E2ABCDEF123456`). A union (a distribution
 * or a list of them) is resolved to the member the value was written as, so its problems name
 * the concrete key instead of "Invalid input".
 */
import type { z } from 'zod'

type Issue = z.core.$ZodIssue
type Path = readonly PropertyKey[]
type Schema = z.core.$ZodType

/** `cdn.cloudfront[0].distributionId`; the top level is `(top level)`. */
export function keyPath(path: Path): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out ? `.${String(part)}` : String(part)
  }
  return out || '(top level)'
}

/** Each problem of a failed parse, one line each, in the order of the document. */
export function describeProblems(
  issues: readonly Issue[],
  input: unknown,
  schema: Schema,
  unset: ReadonlyMap<string, string>,
): string[] {
  const lines: string[] = []
  for (const issue of flatten(issues, [], input)) {
    const key = issue.path.join('.')
    const variable = unset.get(key)
    const hint = variable ? ` (environment variable ${variable} is not set)` : ''
    lines.push(`${keyPath(issue.path)}: ${describe(issue, input, schema)}${hint}`)
  }
  return [...new Set(lines)]
}

/** Issues with full paths; a union's issues replaced by those of the member the value fits. */
function flatten(issues: readonly Issue[], prefix: Path, input: unknown): Issue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path]
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ ...issue, path }]
    const member = closestMember(issue.errors)
    return member ? flatten(member, path, input) : [{ ...issue, path }]
  })
}

// The member whose own type matched (no type mismatch at its root), else the one with the fewest
// problems: `{}` is the object member's, `[{…}]` the list member's.
function closestMember(members: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const typed = members.filter(
    (issues) => !issues.some((i) => i.path.length === 0 && i.code === 'invalid_type'),
  )
  const candidates = typed.length > 0 ? typed : members
  return [...candidates].sort((a, b) => a.length - b.length)[0]
}

function describe(issue: Issue, input: unknown, schema: Schema): string {
  const found = valueAt(input, issue.path)
  const secret = isSecretKey(issue.path)
  const shown = secret ? 'a value (not shown)' : show(found)
  const example = exampleAt(schema, issue.path)
  const eg = example ? `, e.g. ${example}` : ''
  switch (issue.code) {
    case 'invalid_type':
      if (found === undefined) return `required${eg || describedAs(schema, issue.path)}`
      return `expected ${typeName(issue.expected)}${eg}, found ${shown}`
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or correct the spelling`
    case 'invalid_format':
      return `expected ${formatName(issue.format)}${eg}, found ${shown}`
    case 'too_small':
    case 'too_big':
      return `${bound(issue)}${eg}, found ${sizeOf(found, shown)}`
    case 'invalid_value':
      return `${issue.message.replace(/^Invalid option: /, '')}, found ${shown}`
    default:
      return found === undefined || typeof found === 'object'
        ? `${issue.message}${eg}`
        : `${issue.message}${eg}, found ${shown}`
  }
}

// zod's own "Too small: expected string to have >=1 characters", said plainly; a schema's own
// message ("use a secret of at least 16 characters") as written.
function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  if (!/^Too (small|big)/.test(issue.message)) return issue.message
  const small = issue.code === 'too_small'
  const limit = Number(small ? issue.minimum : issue.maximum)
  const inclusive = issue.inclusive !== false
  if (issue.origin === 'string' || issue.origin === 'array') {
    const unit = issue.origin === 'string' ? 'character' : 'item'
    return `expected ${small ? 'at least' : 'at most'} ${limit} ${unit}${limit === 1 ? '' : 's'}`
  }
  return `expected ${small ? '>' : '<'}${inclusive ? '=' : ''} ${limit}`
}

const SECRET = /token|secret|password|key$/i

function isSecretKey(path: Path): boolean {
  const last = [...path].reverse().find((part) => typeof part === 'string')
  return typeof last === 'string' && SECRET.test(last)
}

function typeName(expected: string): string {
  if (expected === 'boolean') return 'true or false'
  if (expected === 'array') return 'a list'
  if (expected === 'object') return 'a map of keys'
  return `a ${expected}`
}

function formatName(format: string): string {
  if (format === 'url') return 'a URL'
  if (format === 'regex') return 'a value of the documented form'
  return `a ${format}`
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null (an empty value)'
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'object') return 'a map of keys'
  // A URL's password never reaches a message: postgres://freshet:***@db:5432/freshet.
  const text = JSON.stringify(value).replace(/(\/\/[^/:@"]*:)[^/@"]*@/, '$1***@')
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
}

function sizeOf(value: unknown, shown: string): string {
  if (typeof value === 'string') return `${value.length} characters`
  if (Array.isArray(value)) return `${value.length} items`
  return shown
}

function valueAt(input: unknown, path: Path): unknown {
  let current = input
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[part]
  }
  return current
}

/** The example in the documentation of the key at `path` ("…, e.g. E2ABCDEF123456."). */
function exampleAt(schema: Schema, path: Path): string | undefined {
  for (const text of descriptionsAt(schema, path)) {
    const match = /\be\.g\.,? (.+?)(?:\s\(|\)|[.;](?:\s|$)|,\s|$)/.exec(text)
    if (match?.[1]) return match[1]
  }
  return undefined
}

function describedAs(schema: Schema, path: Path): string {
  const text = descriptionsAt(schema, path)[0]
  return text ? `: ${text.replace(/\.$/, '')}` : ''
}

interface Def {
  type: string
  innerType?: Schema
  shape?: Record<string, Schema>
  element?: Schema
  options?: Schema[]
  in?: Schema
}

const defOf = (schema: Schema) => (schema as unknown as { _zod: { def: Def } })._zod.def
const descriptionOf = (schema: Schema) =>
  (schema as unknown as { description?: string }).description

/** The descriptions on the way to the key at `path`, innermost last; wrappers unwrapped. */
function descriptionsAt(schema: Schema, path: Path): string[] {
  let nodes: Schema[] = [schema]
  for (const part of path) {
    nodes = nodes.flatMap((node) => children(unwrap(node), part))
    if (nodes.length === 0) return []
  }
  return nodes.flatMap((node) => wrappers(node).map(descriptionOf)).filter((d) => d !== undefined)
}

function wrappers(schema: Schema): Schema[] {
  const def = defOf(schema)
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined)
  return inner ? [schema, ...wrappers(inner)] : [schema]
}

function unwrap(schema: Schema): Schema[] {
  const innermost = wrappers(schema).at(-1) ?? schema
  const def = defOf(innermost)
  return def.type === 'union' && def.options ? def.options.flatMap(unwrap) : [innermost]
}

function children(nodes: Schema[], part: PropertyKey): Schema[] {
  return nodes.flatMap((node) => {
    const def = defOf(node)
    if (def.type === 'object' && typeof part === 'string' && def.shape?.[part])
      return [def.shape[part]]
    if (def.type === 'array' && typeof part === 'number' && def.element) return [def.element]
    return []
  })
}
