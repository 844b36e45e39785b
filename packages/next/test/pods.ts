import type { Pod } from '@freshet/emulators/next-fleet'

/** Speaks the pod protocol and reads pages, as freshet and a browser would. */

export const TOKEN = 'test-revalidate-token'

export type Endpoint = '/api/revalidate' | '/api/revalidate-paths'

export interface PodReply {
  status: number
  body: {
    paths?: { path: string; ok: boolean; error?: string }[]
    tags?: { tag: string; ok: boolean; error?: string }[]
    buildId?: string
    buildTime?: string
    error?: { code: string; message: string }
  }
}

export async function post(
  pod: Pod,
  body: unknown,
  options: { endpoint?: Endpoint; token?: string; raw?: string } = {},
): Promise<PodReply> {
  const response = await fetch(`${pod.url}${options.endpoint ?? '/api/revalidate'}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.token ?? TOKEN}`,
      'content-type': 'application/json',
    },
    body: options.raw ?? JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as PodReply['body'] }
}

export interface Page {
  status: number
  title: string | undefined
  pod: string | undefined
  cacheControl: string | null
}

/** One GET of a page: its status, `data-testid="title"` and the pod that rendered it. */
export async function page(pod: Pod, path: string): Promise<Page> {
  const response = await fetch(`${pod.url}${path}`)
  const html = await response.text()
  return {
    status: response.status,
    title: testId(html, 'title'),
    pod: testId(html, 'pod'),
    cacheControl: response.headers.get('cache-control'),
  }
}

/** Titles of the home page's article list. */
export async function listedTitles(pod: Pod): Promise<string[]> {
  const html = await (await fetch(`${pod.url}/`)).text()
  return [...html.matchAll(/data-testid="article"><a [^>]*>([^<]*)<\/a>/g)].map(
    (match) => match[1] ?? '',
  )
}

function testId(html: string, id: string): string | undefined {
  const match = html.match(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`))
  return match?.[1]?.replaceAll('&#x27;', "'").replaceAll('&amp;', '&')
}
