import { describe, expect, it } from 'vitest'
import {
  localizedViews,
  neededFields,
  type RouteItem,
  renderItemRoutes,
  renderTemplate,
  routeRule,
  routesConfig,
  staticRoutes,
} from './routes.ts'

const item = (fields: Record<string, unknown>, extra: Partial<RouteItem> = {}): RouteItem => ({
  source: 'directus',
  collection: 'articles',
  id: '7',
  fields,
  ...extra,
})

describe('routeRule', () => {
  it('fills defaults', () => {
    expect(routeRule.parse({ collection: 'articles' })).toEqual({
      collection: 'articles',
      paths: [],
      tags: [],
      extra: [],
    })
  })

  it('refuses a rule without a collection, naming the key', () => {
    const result = routesConfig.safeParse([{ paths: ['/x'] }])
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual([0, 'collection'])
  })
})

describe('renderTemplate', () => {
  it('renders fields, nested fields and the id', () => {
    const it7 = item({ slug: 'hello', category: { slug: 'news' } })
    expect(renderTemplate('/articles/{slug}', it7)).toEqual({ values: ['/articles/hello'] })
    expect(renderTemplate('/{category.slug}/{slug}', it7)).toEqual({ values: ['/news/hello'] })
    expect(renderTemplate('article:{id}', it7)).toEqual({ values: ['article:7'] })
  })

  it('renders one value per array element', () => {
    const tagged = item({ tags: [{ slug: 'a' }, { slug: 'b' }, { slug: 'a' }] })
    expect(renderTemplate('/t/{tags.*.slug}', tagged)).toEqual({ values: ['/t/a', '/t/b'] })
  })

  it('URL-encodes values as path segments', () => {
    const odd = item({ slug: 'ça va/oui?' })
    expect(renderTemplate('/a/{slug}', odd)).toEqual({ values: ['/a/%C3%A7a%20va%2Foui%3F'] })
  })

  it('renders nothing for a missing or empty field', () => {
    expect(renderTemplate('/articles/{slug}', item({}))).toEqual({ missing: 'slug' })
    expect(renderTemplate('/articles/{slug}', item({ slug: '' }))).toEqual({ missing: 'slug' })
    expect(renderTemplate('/articles/{slug}', item({ slug: null }))).toEqual({ missing: 'slug' })
    expect(renderTemplate('/{locale}/x', item({}))).toEqual({ missing: 'locale' })
  })
})

describe('renderItemRoutes', () => {
  const rules = routesConfig.parse([
    {
      collection: 'articles',
      paths: ['/articles/{slug}', '/'],
      tags: ['article:{id}', 'articles', 'author:{author.name}'],
      when: { status: 'published' },
    },
    { collection: 'articles', source: 'contentful', paths: ['/cf/{slug}'] },
  ])

  it('renders matching rules of the source, without static templates', () => {
    const routes = renderItemRoutes(rules, item({ slug: 'x', status: 'published' }))
    expect(routes.paths).toEqual(['/articles/x'])
    expect(routes.tags).toEqual(['article:7'])
    expect(routes.notes).toEqual([
      {
        level: 'warn',
        message:
          'articles:7: tag template "author:{author.name}" skipped: field "author.name" is missing or empty',
      },
    ])
  })

  it('renders nothing for an item that does not match `when`', () => {
    const routes = renderItemRoutes(rules, item({ slug: 'x', status: 'draft' }))
    expect(routes).toEqual({ paths: [], tags: [], notes: [] })
  })

  it('never produces /articles/undefined', () => {
    const routes = renderItemRoutes(rules, item({ status: 'published' }))
    expect(routes.paths).toEqual([])
    expect(routes.notes.some((n) => n.message.includes('"slug"'))).toBe(true)
  })

  it('keeps tags printable', () => {
    const routes = renderItemRoutes(
      routesConfig.parse([{ collection: 'articles', tags: ['a:{name}'] }]),
      item({ name: 'x, y' }),
    )
    expect(routes.tags).toEqual(['a:x%2C%20y'])
  })

  it('lists static paths and the fields to fetch', () => {
    expect(staticRoutes(rules, 'directus', 'articles')).toEqual({
      paths: ['/'],
      tags: ['articles'],
    })
    expect(neededFields(rules)).toEqual(['author.name', 'slug', 'status'])
  })
})

describe('localizedViews (Contentful)', () => {
  it('renders one view per locale, falling back to the default locale', () => {
    const views = localizedViews(
      { slug: { 'en-US': 'hello', de: 'hallo' }, title: { 'en-US': 'Hello' } },
      'en-US',
    )
    expect(views).toEqual([
      { locale: 'de', fields: { slug: 'hallo', title: 'Hello' } },
      { locale: 'en-US', fields: { slug: 'hello', title: 'Hello' } },
    ])
    const rules = routesConfig.parse([{ collection: 'post', paths: ['/{locale}/blog/{slug}'] }])
    const paths = views.flatMap(
      (v) =>
        renderItemRoutes(rules, {
          source: 'contentful',
          collection: 'post',
          id: 'p1',
          ...v,
        }).paths,
    )
    expect(paths).toEqual(['/de/blog/hallo', '/en-US/blog/hello'])
  })
})
