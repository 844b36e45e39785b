import type { PathResult, TagResult } from './protocol.ts'

/**
 * Hands the part of a request one router cannot do to its companion handler in the same
 * process, over loopback: paths go to the Pages Router handler (`res.revalidate`), tags to the
 * App Router route (`revalidateTag`). The header marks the hop so it is never forwarded again.
 */
export const FORWARDED_HEADER = 'x-freshet-forwarded'

export interface Companion {
  /** URLs of the companion handler in this process, tried in order while unreachable. */
  urls: string[]
  token: string
  timeoutMs: number
}

type Part = { paths: string[] } | { tags: string[] }

/**
 * This server's own origins, best first: `origin` if given; else `http://127.0.0.1:$PORT` (the
 * port `next start` and standalone `server.js` listen on), then the address this request came
 * in on, for a server bound to one interface (standalone with `HOSTNAME` set to the pod's name).
 */
export function ownOrigins(override: string | undefined, arrivedOn: string): string[] {
  if (override) return [override.replace(/\/$/, '')]
  const port = process.env.PORT
  const loopback = port ? `http://127.0.0.1:${port}` : undefined
  return [...new Set([loopback, arrivedOn].filter((origin) => origin !== undefined))]
}

export async function forwardPaths(paths: string[], to: Companion): Promise<PathResult[]> {
  const answer = await forward({ paths }, to)
  return paths.map((path) => {
    if ('error' in answer) return { path, ok: false, error: answer.error }
    const result = answer.paths?.find((item) => item.path === path)
    return result ?? { path, ok: false, error: `${to.urls[0]} did not answer for this path` }
  })
}

export async function forwardTags(tags: string[], to: Companion): Promise<TagResult[]> {
  const answer = await forward({ tags }, to)
  return tags.map((tag) => {
    if ('error' in answer) return { tag, ok: false, error: answer.error }
    const result = answer.tags?.find((item) => item.tag === tag)
    return result ?? { tag, ok: false, error: `${to.urls[0]} did not answer for this tag` }
  })
}

interface CompanionAnswer {
  paths?: PathResult[]
  tags?: TagResult[]
}

async function forward(part: Part, to: Companion): Promise<CompanionAnswer | { error: string }> {
  const failures: string[] = []
  for (const url of to.urls) {
    try {
      return await post(url, part, to)
    } catch (cause) {
      failures.push(`${url}: ${(cause as Error).message}`)
    }
  }
  return { error: `companion unreachable (${failures.join('; ')})` }
}

/** One hop; throws only when the companion cannot be reached or answers no JSON. */
async function post(url: string, part: Part, to: Companion) {
  const response = await fetch(url, {
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
    return { error: `companion ${url} answered ${response.status}: ${text.slice(0, 200)}` }
  }
  return JSON.parse(text) as CompanionAnswer
}
