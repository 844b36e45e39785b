import { createHash, timingSafeEqual } from 'node:crypto'

/** Constant-time comparison of a presented secret with the configured one. */
export function secretMatches(presented: string | undefined | null, expected: string): boolean {
  if (presented == null) return false
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(headers: Headers): string | undefined {
  const value = headers.get('authorization')
  const match = value?.match(/^Bearer\s+(.+)$/i)
  return match?.[1]?.trim()
}
