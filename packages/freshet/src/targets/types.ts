import type { BuildInfo, RevalidateBody as RevalidateRequest } from '@freshet/next/protocol'
import type { CdnLimits, CdnLoad } from '../core/cdn-chunks.ts'
import type { PodAnswer } from '../core/domain.ts'
import type { Pod } from '../discovery/types.ts'

// The pod protocol's shapes come from the package the pods run, so the two sides cannot drift.
export type { BuildInfo, RevalidateBody as RevalidateRequest } from '@freshet/next/protocol'

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

export type { CdnLimits, CdnLoad } from '../core/cdn-chunks.ts'

/**
 * A cache layer in front of the pods (a CDN distribution, a zone, a service, Varnish). Errors are
 * `CdnError`s that say whether waiting and retrying can help; their message names the target.
 * Items are paths (`/a`), prefix wildcards (`/a*`) and cache tags (`#tag`).
 */
export interface CdnTarget {
  /** The kind: `cloudfront`, `varnish`, `cloudflare`, `fastly`, `akamai`. */
  readonly name: string
  /** This instance (distribution id, zone id, service id, host): unique among the targets. */
  readonly distributionId: string
  /** Items per request; with `load()`, also what may be in progress at once. */
  readonly limits: CdnLimits
  /** Inner layers (lower) are purged and confirmed before outer ones: Varnish 1, CDNs 2. */
  readonly layer: number
  create(request: InvalidationRequest, signal: AbortSignal): Promise<InvalidationState>
  get(invalidationId: string, signal: AbortSignal): Promise<InvalidationState>
  /**
   * How this layer's header carries a tag spelled by `@freshet/next`'s `layerTagHeaders`, when the
   * layer's rules are narrower than that spelling (Akamai: `akamaiTag`). Used with `edgeTags`.
   */
  edgeTag?(tag: string): string
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
