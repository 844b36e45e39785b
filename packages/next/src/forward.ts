import type { PathResult, TagResult } from './protocol.ts'

/**
 * Hands the part of a request one router cannot do to its companion handler in the same
 * process, over loopback: paths go to the Pages Router handler (`res.revalidate`), tags to the
 * App Router route (`revalidateTag`). The header marks the hop so it is never forwarded again.
 */
export const FORWARDED_HEADER = 'x-freshet-forwarded'

export interface Companion {
  /** Absolute URL of the companion handler, e.g. `http://127.0.0.1:3000/api/revalidate-paths`. */
  url: string
  token: string
  timeoutMs: number
}

type Part = { paths: string[] } | { tags: string[] }

/** The process's own origin: `next start` puts its port in `PORT`; `origin` overrides. */
export function loopbackOrigin(override: string | undefined, fallback: () => string): string {
  if (override) return override.replace(/\/$/, '')
  const port = process.env.PORT
  return port ? `http://127.0.0.1:${port}` : fallback()
}

export async function forwardPaths(paths: string[], to: Companion): Promise<PathResult[]> {
  const answer = await forward({ paths }, to)
  return paths.map((path) => {
    if ('error' in answer) return { path, ok: false, error: answer.error }
    const result = answer.paths?.find((item) => item.path === path)
    return result ?? { path, ok: false, error: `${to.url} did not answer for this path` }
  })
}

export async function forwardTags(tags: string[], to: Companion): Promise<TagResult[]> {
  const answer = await forward({ tags }, to)
  return tags.map((tag) => {
    if ('error' in answer) return { tag, ok: false, error: answer.error }
    const result = answer.tags?.find((item) => item.tag === tag)
    return result ?? { tag, ok: false, error: `${to.url} did not answer for this tag` }
  })
}

interface CompanionAnswer {
  paths?: PathResult[]
  tags?: TagResult[]
}

async function forward(part: Part, to: Companion): Promise<CompanionAnswer | { error: string }> {
  try {
    const response = await fetch(to.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${to.token}`,
        'content-type': 'application/json',
        [FORWARDED_HEADER]: '1',
      },
      body: JSON.stringify(part),
      cache: 'no-store',
      signal: AbortSignal.timeout(to.timeoutMs),
    })
    const text = await response.text()
    if (response.status !== 200 && response.status !== 207) {
      return { error: `companion ${to.url} answered ${response.status}: ${text.slice(0, 200)}` }
    }
    return JSON.parse(text) as CompanionAnswer
  } catch (cause) {
    return { error: `companion ${to.url} unreachable: ${(cause as Error).message}` }
  }
}
