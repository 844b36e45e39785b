import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono, type MiddlewareHandler } from 'hono'

/**
 * A tiny headless-CMS content API for the example site and its tests. Tests change it in
 * process (`set`, `update`, `remove`, `fail`) or over HTTP (`PUT/PATCH/DELETE /articles/:id`,
 * `POST /_fail {"on": true}`); `fail(true)` makes every read answer 500 ("CMS down").
 *
 * Reads: `GET /articles` (list, by id), `GET /articles/:id`, `GET /articles/by-slug/:slug`.
 */

export interface Article {
  id: number
  slug: string
  title: string
  body: string
  updatedAt: string
}

export type ArticleInput = Omit<Article, 'updatedAt'> & { updatedAt?: string }

export const seedArticles: readonly ArticleInput[] = [
  { id: 1, slug: 'hello-world', title: 'Hello, world', body: 'The first article.' },
  { id: 2, slug: 'second-thoughts', title: 'Second thoughts', body: 'The second article.' },
  { id: 3, slug: 'third-time', title: 'Third time lucky', body: 'The third article.' },
]

export interface ContentStore {
  list(): Article[]
  get(id: number): Article | undefined
  bySlug(slug: string): Article | undefined
  set(article: ArticleInput): Article
  update(id: number, patch: Partial<Omit<Article, 'id'>>): Article
  remove(id: number): boolean
  fail(on: boolean): void
  readonly failing: boolean
  /** Reads served so far (failed ones included): shows that a page was rendered again. */
  readonly reads: number
  noteRead(): void
}

export function createContentStore(seed: readonly ArticleInput[] = seedArticles): ContentStore {
  const articles = new Map<number, Article>()
  const state = { failing: false, reads: 0 }
  const stamp = (input: ArticleInput): Article => ({
    ...input,
    updatedAt: input.updatedAt ?? new Date().toISOString(),
  })
  for (const article of seed) articles.set(article.id, stamp(article))
  return {
    list: () => [...articles.values()].sort((a, b) => a.id - b.id),
    get: (id) => articles.get(id),
    bySlug: (slug) => [...articles.values()].find((article) => article.slug === slug),
    set(input) {
      const article = stamp(input)
      articles.set(article.id, article)
      return article
    },
    update(id, patch) {
      const current = articles.get(id)
      if (!current) throw new Error(`[content-api] no article ${id}`)
      const next = { ...current, ...patch, id, updatedAt: new Date().toISOString() }
      articles.set(id, next)
      return next
    },
    remove: (id) => articles.delete(id),
    fail: (on) => {
      state.failing = on
    },
    get failing() {
      return state.failing
    },
    get reads() {
      return state.reads
    },
    noteRead: () => {
      state.reads++
    },
  }
}

const notFound = { error: { code: 'not_found', message: 'no such article' } }

export function contentApp(store: ContentStore): Hono {
  const app = new Hono()
  app.use('/articles/*', gate(store))
  app.use('/articles', gate(store))
  app.get('/articles', (c) => c.json(store.list()))
  app.get('/articles/by-slug/:slug', (c) => {
    const article = store.bySlug(c.req.param('slug'))
    return article ? c.json(article) : c.json(notFound, 404)
  })
  app.get('/articles/:id', (c) => {
    const article = store.get(Number(c.req.param('id')))
    return article ? c.json(article) : c.json(notFound, 404)
  })
  app.put('/articles/:id', async (c) => {
    const input = (await c.req.json()) as Omit<ArticleInput, 'id'>
    return c.json(store.set({ ...input, id: Number(c.req.param('id')) }))
  })
  app.patch('/articles/:id', async (c) => {
    const id = Number(c.req.param('id'))
    if (!store.get(id)) return c.json(notFound, 404)
    return c.json(store.update(id, (await c.req.json()) as Partial<Article>))
  })
  app.delete('/articles/:id', (c) =>
    c.body(null, store.remove(Number(c.req.param('id'))) ? 204 : 404),
  )
  app.post('/_fail', async (c) => {
    store.fail(Boolean(((await c.req.json()) as { on?: unknown }).on))
    return c.json({ failing: store.failing })
  })
  return app
}

/** Counts reads and, while failing, answers every read with 500. Writes always work. */
function gate(store: ContentStore): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET') return next()
    store.noteRead()
    if (store.failing)
      return c.json({ error: { code: 'down', message: 'content API is down' } }, 500)
    return next()
  }
}

export interface ContentApi extends ContentStore {
  url: string
  close(): Promise<void>
}

/** Starts the content API on 127.0.0.1 (a free port unless `port` is given). */
export async function startContentApi(
  options: { port?: number; seed?: readonly ArticleInput[] } = {},
): Promise<ContentApi> {
  const store = createContentStore(options.seed)
  const app = contentApp(store)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve(
      { fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' },
      () => resolve(started),
    )
  })
  const { port } = server.address() as AddressInfo
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()))
      ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
    })
  return Object.assign(store, { url: `http://127.0.0.1:${port}`, close })
}
