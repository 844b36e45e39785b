import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * The one error type for HTTP answers. Thrown anywhere a request is at fault (or the service
 * cannot answer); turned into `{"error": {"code", "message"}}` in one place (`app.ts`).
 */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode
  readonly code: string
  readonly details: unknown
  /** Response headers beside the body (`Retry-After` on a 503, say). */
  readonly headers: Readonly<Record<string, string>>
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    options: { cause?: unknown; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.details = options.details
    this.headers = options.headers ?? {}
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new HttpError(400, code, message, { details })

export const unauthorized = (message = 'missing or wrong credentials') =>
  new HttpError(401, 'unauthorized', message)
