import type { PodAnswer } from '../core/domain.ts'
import type { Pod } from '../discovery/types.ts'

export interface RevalidateRequest {
  paths: string[]
  tags: string[]
}

export interface BuildInfo {
  buildId: string
  /** ISO time the pod's pages were built: what it serves until something revalidates it. */
  buildTime: string
}

/** Speaks the pod protocol (DESIGN.md) to one pod. Throws on a non-2xx or unreadable answer. */
export interface PodClient {
  revalidate(pod: Pod, request: RevalidateRequest, signal: AbortSignal): Promise<PodAnswer>
  buildInfo(pod: Pod, signal: AbortSignal): Promise<BuildInfo>
  /** Releases kept-alive connections. */
  close?(): Promise<void>
}

/** One CDN invalidation request: a chunk of a batch under the CDN's limits. */
export interface InvalidationRequest {
  /** Stable for the batch, distribution and chunk: a retry returns the same invalidation. */
  callerReference: string
  /** Paths (`/a`, `/b*`) and cache tags (`#tag`) as the CDN takes them. */
  items: string[]
}

export interface InvalidationState {
  id: string
  status: 'InProgress' | 'Completed'
}

/** Work the CDN has in progress, for chunking under its limits. */
export interface CdnLoad {
  paths: number
  wildcards: number
}

/**
 * A CDN distribution. Errors are `CdnError`s that say whether waiting and retrying can help.
 */
export interface CdnTarget {
  readonly name: string
  readonly distributionId: string
  create(request: InvalidationRequest, signal: AbortSignal): Promise<InvalidationState>
  get(invalidationId: string, signal: AbortSignal): Promise<InvalidationState>
  /** Paths and wildcards currently in progress, when the CDN can tell. */
  load?(signal: AbortSignal): Promise<CdnLoad>
}

export class CdnError extends Error {
  readonly code: string
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  constructor(
    message: string,
    options: { code: string; retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause })
    this.name = 'CdnError'
    this.code = options.code
    this.retryable = options.retryable
    this.retryAfterMs = options.retryAfterMs
  }
}
