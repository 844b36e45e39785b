// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is what is under test
import { describe, expect, it } from 'vitest'
import { interpolate } from './interpolate.ts'

describe('interpolate', () => {
  const env = { TOKEN: 's3cret', EMPTY: '', PORT: '9000' }

  it('replaces ${VAR} anywhere in a string, and several in one', () => {
    expect(interpolate('Bearer ${TOKEN}', env)).toBe('Bearer s3cret')
    expect(interpolate('${TOKEN}:${PORT}', env)).toBe('s3cret:9000')
  })

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    expect(interpolate('${NOPE:-fallback}', env)).toBe('fallback')
    expect(interpolate('${EMPTY:-fallback}', env)).toBe('fallback')
    expect(interpolate('${TOKEN:-fallback}', env)).toBe('s3cret')
    expect(interpolate('${NOPE:-}', env)).toBe('')
    expect(interpolate('http://${NOPE:-localhost:5432}/db', env)).toBe('http://localhost:5432/db')
  })

  it('keeps $${…} as a literal ${…}', () => {
    expect(interpolate('$${TOKEN}', env)).toBe('${TOKEN}')
    expect(interpolate('a $${TOKEN} and ${TOKEN}', env)).toBe('a ${TOKEN} and s3cret')
  })

  it('drops a key whose whole value is an unset variable, and names it', () => {
    const unset = new Map<string, string>()
    const value = interpolate(
      { store: { url: '${DATABASE_URL}', dir: './d' }, list: ['${NOPE}', 'x'] },
      env,
      unset,
    )
    expect(value).toEqual({ store: { dir: './d' }, list: [undefined, 'x'] })
    expect(unset).toEqual(
      new Map([
        ['store.url', 'DATABASE_URL'],
        ['list.0', 'NOPE'],
      ]),
    )
  })

  it('leaves an unset variable inside a longer string empty, and reports it', () => {
    const unset = new Map<string, string>()
    expect(interpolate({ a: 'x-${NOPE}-y' }, env, unset)).toEqual({ a: 'x--y' })
    expect(unset.get('a')).toBe('NOPE')
  })

  it('never touches keys, numbers, booleans or null, and never re-reads a substituted value', () => {
    expect(interpolate({ '${TOKEN}': 1, b: true, c: null }, env)).toEqual({
      '${TOKEN}': 1,
      b: true,
      c: null,
    })
    expect(interpolate('${A}', { A: '${TOKEN}' })).toBe('${TOKEN}')
  })
})
