import { hash, timingSafeEqual } from 'node:crypto'

// The one-shot hash: no Hash object per call, twice per webhook.
const sha256 = (text: string) => hash('sha256', text, 'buffer')

// Configured secrets are few and fixed: hash each once, not on every request.
const expectedDigests = new Map<string, Buffer>()

/** Constant-time comparison of a presented secret with the configured one. */
export function secretMatches(presented: string | undefined | null, expected: string): boolean {
  if (presented == null) return false
  let digest = expectedDigests.get(expected)
  if (!digest) {
    digest = sha256(expected)
    if (expectedDigests.size < 64) expectedDigests.set(expected, digest)
  }
  // Hashing the presented side makes the comparison take the same time whatever its length.
  return timingSafeEqual(sha256(presented), digest)
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(headers: Headers): string | undefined {
  const value = headers.get('authorization')
  const match = value?.match(/^Bearer\s+(.+)$/i)
  return match?.[1]?.trim()
}
