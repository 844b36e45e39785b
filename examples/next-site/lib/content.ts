import { tags } from '@freshet/next'

/** Reads the content API (`CONTENT_API_URL`). Throws on any failure, so a failed re-render
 *  keeps the last good page instead of caching an error page. */

export interface Article {
  id: number
  slug: string
  title: string
  body: string
  updatedAt: string
}

const apiUrl = () => {
  const url = process.env.CONTENT_API_URL
  if (!url) throw new Error('[next-site] CONTENT_API_URL is not set')
  return url.replace(/\/$/, '')
}

async function read<T>(path: string, init?: RequestInit): Promise<T | undefined> {
  const response = await fetch(`${apiUrl()}${path}`, init)
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`[next-site] content API ${path} answered ${response.status}`)
  return (await response.json()) as T
}

/** Every article; tagged with the collection tag. */
export async function listArticles(): Promise<Article[]> {
  const list = await read<Article[]>('/articles', { next: { tags: [tags.collection('articles')] } })
  return list ?? []
}

/** One article, App Router: the slug is resolved to an id (collection tag), then the item is read
 *  with its item tag, so `articles:<id>` expires exactly the pages that show it. */
export async function articleBySlug(slug: string): Promise<Article | undefined> {
  const found = await read<Article>(`/articles/by-slug/${encodeURIComponent(slug)}`, {
    next: { tags: [tags.collection('articles')] },
  })
  if (!found) return undefined
  const article = await read<Article>(`/articles/${found.id}`, {
    next: { tags: [tags.item('articles', found.id)] },
  })
  // A slug that moved to another item since the lookup was cached is not this page any more.
  return article?.slug === slug ? article : undefined
}

/** One article, Pages Router (no data cache there). */
export function articleBySlugUncached(slug: string): Promise<Article | undefined> {
  return read<Article>(`/articles/by-slug/${encodeURIComponent(slug)}`)
}

export const podId = () => process.env.POD_ID ?? 'unknown'
