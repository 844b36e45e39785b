import type { ContentChange } from '../core/domain.ts'

/** What a source sees of a webhook: enough to verify a signature over the exact bytes. */
export interface SourceRequest {
  method: string
  /** Full URL as received (query string included: Directus may send `?secret=`). */
  url: string
  headers: Headers
  rawBody: string
}

/**
 * A parsed delivery: the changes it carries, or why it carries none (a draft save, say).
 * `notBefore`: a scheduled publish, not to be invalidated before then.
 */
export type SourceDelivery =
  | { changes: ContentChange[]; deliveryKey?: string; notBefore?: Date }
  | { ignored: string; deliveryKey?: string }

/**
 * A CMS (or generic) webhook source. `verify` and `parse` throw `HttpError` (4xx) naming the
 * problem; neither does I/O beyond the request, so a bad request costs microseconds.
 */
export interface Source {
  readonly name: string
  verify(request: SourceRequest): void | Promise<void>
  parse(request: SourceRequest): SourceDelivery
}
