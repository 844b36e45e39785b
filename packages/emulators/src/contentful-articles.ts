/**
 * The content API's article reads (`/articles`, `/articles/:id`, `/articles/by-slug/:slug`),
 * answered from a Contentful space through its Delivery API over HTTP, as a site's data layer
 * reads Contentful: so pods pointed here see exactly what the Delivery API serves, lag included.
 * Entries of content type `article`, ids numeric, fields `slug`, `title`, `body` (default locale).
 */
import { Hono } from 'hono'
import { loopbackServer } from './loopback.ts'

interface DeliveryEntry {
  sys: { id: string; updatedAt?: string }
  fields: Record<string, unknown>
}

export function contentfulArticles(options: {
  deliveryUrl: string
  spaceId: string
  accessToken: string
}) {
  const base = `${options.deliveryUrl.replace(/\/$/, '')}/spaces/${options.spaceId}/environments/master`
  const read = async (path: string) => {
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${options.accessToken}` },
    })
    if (res.status === 404) return undefined
    if (!res.ok) throw new Error(`[contentful-articles] ${path} answered ${res.status}`)
    return res.json() as Promise<unknown>
  }
  const article = (entry: DeliveryEntry) => ({
    id: Number(entry.sys.id),
    slug: entry.fields.slug,
    title: entry.fields.title,
    body: entry.fields.body,
    updatedAt: entry.sys.updatedAt,
  })
  const notFound = { error: { code: 'not_found', message: 'no such article' } }
  const app = new Hono()
  app.get('/articles', async (c) => {
    const list = (await read('/entries?content_type=article&limit=1000')) as {
      items: DeliveryEntry[]
    }
    return c.json(list.items.map(article).sort((a, b) => a.id - b.id))
  })
  app.get('/articles/by-slug/:slug', async (c) => {
    const query = new URLSearchParams({
      content_type: 'article',
      'fields.slug': c.req.param('slug'),
    })
    const list = (await read(`/entries?${query}`)) as { items: DeliveryEntry[] }
    const found = list.items[0]
    return found ? c.json(article(found)) : c.json(notFound, 404)
  })
  app.get('/articles/:id', async (c) => {
    const entry = (await read(`/entries/${encodeURIComponent(c.req.param('id'))}`)) as
      | DeliveryEntry
      | undefined
    return entry ? c.json(article(entry)) : c.json(notFound, 404)
  })
  const server = loopbackServer(app)
  return { app, listen: server.listen, close: server.close }
}
