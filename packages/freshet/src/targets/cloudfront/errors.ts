/** Turns what `@aws-sdk/client-cloudfront` throws into `CdnError`s that say whether to retry. */
import { CdnError } from '../types.ts'

/** Waiting helps: room frees up as invalidations complete, throttling and 5xx pass. */
const RETRYABLE = new Set([
  'TooManyInvalidationsInProgress',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'TimeoutError',
])

/** Retrying the same request cannot help: say what to fix instead. */
const ADVICE: Record<string, string> = {
  InvalidArgument: 'CloudFront refused a path or tag of the batch',
  AccessDenied:
    'the AWS credentials may not call cloudfront:CreateInvalidation/GetInvalidation/ListInvalidations',
  NoSuchDistribution:
    'no such distribution: check cdn.cloudfront.distributionId and the AWS account',
  BatchTooLarge:
    'the chunk is over the per-invalidation limits: lower maxPathsInProgress/maxWildcardsInProgress',
  InvalidationBatchAlreadyExists:
    'this CallerReference was already used with other paths: the batch changed since it was first submitted',
  NoSuchInvalidation: 'no such invalidation on this distribution',
}

interface SdkErrorShape {
  name?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
  $retryable?: unknown
}

/** Why this failure may pass with time, or undefined when it will not. */
function retryable(code: string, status: number | undefined): boolean {
  if (RETRYABLE.has(code)) return true
  if (code in ADVICE) return false
  // No HTTP status at all: the request never got an answer (refused, reset, timed out).
  if (status === undefined) return true
  return status >= 500 || status === 429
}

/** Rethrows an abort as is; anything else becomes a `CdnError` naming CloudFront and the call. */
export function toCdnError(
  error: unknown,
  context: { distributionId: string; operation: string; signal?: AbortSignal },
): Error {
  if (error instanceof CdnError) return error
  if (context.signal?.aborted)
    return (context.signal.reason as Error | undefined) ?? (error as Error)
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape
  const status = shape.$metadata?.httpStatusCode
  const code =
    shape.name && shape.name !== 'Error' ? shape.name : (errorCode(error) ?? 'NetworkError')
  const advice = ADVICE[code]
  const detail = shape.message ?? String(error)
  const where = `${code} on ${context.distributionId} (${context.operation}${status ? `, HTTP ${status}` : ''})`
  return new CdnError(`[freshet] [cloudfront] ${where}: ${advice ? `${advice}. ` : ''}${detail}`, {
    code,
    retryable: retryable(code, status),
    cause: error,
  })
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
