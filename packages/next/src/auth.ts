import { createHash, timingSafeEqual } from 'node:crypto'

/** Where the shared secret comes from: a value, or a function read on every request. */
export type TokenSource = string | undefined | (() => string | undefined)

/** The configured token, read lazily so a build without the secret still works. */
export function resolveToken(source: TokenSource): string | undefined {
  const token = typeof source === 'function' ? source() : source
  return token ? token : undefined
}

/** Constant-time comparison: both sides are hashed, so lengths leak nothing either. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = authorization?.match(/^Bearer\s+(.+)$/i)
  return match?.[1]?.trim()
}
