/**
 * `${VAR}` and `${VAR:-default}` in string values, resolved after YAML parsing so a secret can
 * never change the document's structure. `$${…}` is a literal `${…}`. A value that is only a
 * reference to an unset variable becomes absent (so `url: ${DATABASE_URL}` means "not set"), and
 * the variable is reported by key so validation errors can name it.
 */
export function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  unset: Map<string, string> = new Map(),
  key = '',
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, unset, key)
  if (Array.isArray(value))
    return value.map((item, i) => interpolate(item, env, unset, `${key}.${i}`))
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([name, item]) => {
      const child = key ? `${key}.${name}` : name
      return [name, interpolate(item, env, unset, child)] as const
    })
    return Object.fromEntries(entries.filter(([, item]) => item !== undefined))
  }
  return value
}

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g
const ONLY_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/

function interpolateString(
  text: string,
  env: Record<string, string | undefined>,
  unset: Map<string, string>,
  key: string,
): string | undefined {
  let missing = false
  const result = text.replace(PATTERN, (match, name?: string, fallback?: string) => {
    if (match === '$${') return '${'
    const found = name === undefined ? undefined : env[name]
    if (found !== undefined && found !== '') return found
    if (fallback !== undefined) return fallback
    missing = true
    if (name) unset.set(key, name)
    return ''
  })
  return missing && ONLY_REFERENCE.test(text) ? undefined : result
}
