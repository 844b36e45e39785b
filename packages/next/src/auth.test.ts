import { describe, expect, it } from 'vitest'
import { bearerToken, resolveToken, tokenMatches } from './auth.ts'

describe('auth', () => {
  it('reads a bearer token and compares it', () => {
    expect(bearerToken('Bearer  s3cret ')).toBe('s3cret')
    expect(bearerToken('Basic abc')).toBeUndefined()
    expect(tokenMatches('s3cret', 's3cret')).toBe(true)
    expect(tokenMatches('s3cre', 's3cret')).toBe(false)
    expect(tokenMatches(undefined, 's3cret')).toBe(false)
  })

  it('treats an empty configured token as none, and reads a function lazily', () => {
    expect(resolveToken('')).toBeUndefined()
    let value = 'a'
    const source = () => value
    expect(resolveToken(source)).toBe('a')
    value = 'b'
    expect(resolveToken(source)).toBe('b')
  })
})
