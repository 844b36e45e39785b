import { createHmac, timingSafeEqual } from 'node:crypto'
import { escape as escapeQuery } from 'node:querystring'

/**
 * Contentful request signing, recomputed. The same canonical form as `signRequest` in
 * `@contentful/node-apps-toolkit` (the tests check the two agree), written out here so that
 * verification takes an injected clock, refuses timestamps from the future too, and never throws
 * anything but a typed refusal. Pure: no I/O.
 *
 *   signature = hex(HMAC-SHA256(secret, METHOD \n path \n k1:v1;k2:v2 \n body))
 *
 * over the headers named in `x-contentful-signed-headers` (lower-cased, trimmed, sorted), always
 * including `x-contentful-signed-headers` and `x-contentful-timestamp` themselves.
 */

export const SIGNATURE_HEADER = 'x-contentful-signature'
export const SIGNED_HEADERS_HEADER = 'x-contentful-signed-headers'
export const TIMESTAMP_HEADER = 'x-contentful-timestamp'

export interface SignatureInput {
  method: string
  /** Path and query as signed, e.g. `/hooks/contentful?env=prod`. */
  path: string
  headers: Headers
  body: string
}

export type SignatureCheck =
  | {
      ok: true
      signature: string
      timestamp: number
      /** The headers the signature covers, lower-cased, the two signing headers among them. */
      signedHeaders: string[]
    }
  | { ok: false; reason: string }

/** The toolkit's `getNormalizedEncodedURI`: the query is escaped as a whole, then encodeURI. */
export function canonicalPath(path: string): string {
  const [pathname = '', search] = path.split('?')
  const escaped = search ? escapeQuery(search) : ''
  return encodeURI(escaped ? `${pathname}?${escaped}` : pathname)
}

/** The header block of the canonical request: the listed headers plus the two signing headers. */
function canonicalHeaders(headers: Headers, listed: string[], timestamp: number): string {
  const values = new Map<string, string>()
  for (const name of listed) {
    const value = headers.get(name)
    if (value !== null) values.set(name, value.trim())
  }
  values.set(TIMESTAMP_HEADER, String(timestamp))
  const names = [...values.keys()]
  if (!names.includes(SIGNED_HEADERS_HEADER)) names.push(SIGNED_HEADERS_HEADER)
  values.set(SIGNED_HEADERS_HEADER, names.sort().join(','))
  return [...values.keys()]
    .sort()
    .map((name) => `${name}:${values.get(name)}`)
    .join(';')
}

/** Hex HMAC-SHA256 of the canonical request. */
export function computeSignature(
  secret: string,
  input: SignatureInput,
  listed: string[],
  timestamp: number,
): string {
  const canonical = [
    input.method.toUpperCase(),
    canonicalPath(input.path),
    canonicalHeaders(input.headers, listed, timestamp),
    input.body,
  ].join('\n')
  return createHmac('sha256', secret).update(canonical).digest('hex')
}

/**
 * The header names listed as signed. Like the toolkit, a name counts only as written in lower
 * case without spaces (the toolkit looks names up verbatim among lower-cased header names).
 */
function listedHeaders(headers: Headers): string[] {
  const raw = headers.get(SIGNED_HEADERS_HEADER) ?? ''
  // A name that is not a lower-case HTTP token cannot be among the received headers.
  return [...new Set(raw.split(','))].filter((name) => /^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name))
}

/**
 * Checks signature and freshness. `now` in epoch ms; a request is fresh while
 * `now - timestamp < ttlMs` and it is not more than `ttlMs` ahead of us (clock skew).
 */
export function checkSignature(
  secret: string,
  input: SignatureInput,
  ttlMs: number,
  now: number,
): SignatureCheck {
  const presented = input.headers.get(SIGNATURE_HEADER)
  if (!presented) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` }
  if (!/^[0-9a-f]{64}$/.test(presented)) {
    return { ok: false, reason: `${SIGNATURE_HEADER} is not a hex SHA-256 digest` }
  }
  const rawTimestamp = input.headers.get(TIMESTAMP_HEADER) ?? ''
  if (!/^\d{1,16}$/.test(rawTimestamp)) {
    return { ok: false, reason: `${TIMESTAMP_HEADER} is missing or not epoch milliseconds` }
  }
  const timestamp = Number(rawTimestamp)
  if (now - timestamp >= ttlMs)
    return { ok: false, reason: 'signature expired (timestamp too old)' }
  if (timestamp - now > ttlMs) return { ok: false, reason: 'timestamp is in the future' }
  let expected: string
  const listed = listedHeaders(input.headers)
  try {
    expected = computeSignature(secret, input, listed, timestamp)
  } catch {
    // encodeURI refuses lone surrogates; such a path cannot have been signed.
    return { ok: false, reason: 'request path cannot be canonicalised' }
  }
  const matches = timingSafeEqual(Buffer.from(presented), Buffer.from(expected))
  return matches
    ? {
        ok: true,
        signature: expected,
        timestamp,
        signedHeaders: [...new Set([...listed, TIMESTAMP_HEADER, SIGNED_HEADERS_HEADER])],
      }
    : { ok: false, reason: 'bad signature' }
}
