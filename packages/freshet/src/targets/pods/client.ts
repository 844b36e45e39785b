import { Agent, request } from 'undici'
import { z } from 'zod'
import type { PodAnswer } from '../../core/domain.ts'
import type { Pod } from '../../discovery/types.ts'
import type { BuildInfo, PodClient, RevalidateRequest } from '../types.ts'

const result = z.object({ ok: z.boolean(), error: z.string().optional() })
const answerSchema = z.object({
  paths: z.array(result.extend({ path: z.string() })).default([]),
  tags: z.array(result.extend({ tag: z.string() })).default([]),
  buildId: z.string().optional(),
})
const buildInfoSchema = z.object({ buildId: z.string(), buildTime: z.string() })

export class PodCallError extends Error {
  readonly status: number | undefined
  constructor(message: string, status?: number, cause?: unknown) {
    super(message, { cause })
    this.name = 'PodCallError'
    this.status = status
  }
}

export interface PodClientOptions {
  token: string
  timeoutMs: number
  /** Shared keep-alive pool; one per process is plenty. */
  agent?: Agent
}

/** The pod protocol over HTTP: `POST|GET <pod>/api/revalidate` with the Bearer token. */
export function createPodClient(options: PodClientOptions): PodClient & { close(): Promise<void> } {
  const agent = options.agent ?? new Agent({ keepAliveTimeout: 30_000, connections: 8 })
  const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' }

  async function call(
    pod: Pod,
    method: 'GET' | 'POST',
    body: string | undefined,
    signal: AbortSignal,
  ) {
    const url = new URL('/api/revalidate', pod.url)
    const timeout = AbortSignal.timeout(options.timeoutMs)
    let response: Awaited<ReturnType<typeof request>>
    try {
      response = await request(url, {
        method,
        headers,
        body,
        dispatcher: agent,
        signal: AbortSignal.any([signal, timeout]),
      })
    } catch (cause) {
      const reason = timeout.aborted
        ? `timed out after ${options.timeoutMs} ms`
        : (cause as Error).message
      throw new PodCallError(`[freshet] [pods] ${pod.id}: ${reason}`, undefined, cause)
    }
    const text = await response.body.text()
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new PodCallError(
        `[freshet] [pods] ${pod.id} answered ${response.statusCode}: ${text.slice(0, 200)}`,
        response.statusCode,
      )
    }
    try {
      return JSON.parse(text) as unknown
    } catch (cause) {
      throw new PodCallError(
        `[freshet] [pods] ${pod.id} answered with invalid JSON`,
        response.statusCode,
        cause,
      )
    }
  }

  return {
    async revalidate(pod: Pod, body: RevalidateRequest, signal: AbortSignal): Promise<PodAnswer> {
      const parsed = answerSchema.safeParse(await call(pod, 'POST', JSON.stringify(body), signal))
      if (!parsed.success)
        throw new PodCallError(`[freshet] [pods] ${pod.id}: unexpected answer shape`)
      return parsed.data
    },
    async buildInfo(pod: Pod, signal: AbortSignal): Promise<BuildInfo> {
      const parsed = buildInfoSchema.safeParse(await call(pod, 'GET', undefined, signal))
      if (!parsed.success)
        throw new PodCallError(`[freshet] [pods] ${pod.id}: unexpected build info`)
      return parsed.data
    },
    close: () => agent.close(),
  }
}
