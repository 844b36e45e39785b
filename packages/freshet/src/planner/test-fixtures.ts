/**
 * Content graphs for the planner tests, served by the Directus and Contentful emulators:
 * a component three levels below two pages, a many-to-many, a cycle, a missing field.
 */
import { createContentfulEmulator } from '../../../emulators/src/contentful.ts'
import { createDirectusEmulator } from '../../../emulators/src/directus.ts'
import { routesConfig } from '../core/routes.ts'

export const DIRECTUS_TOKEN = 'directus-static-token'

export const directusRules = routesConfig.parse([
  { collection: 'pages', source: 'directus', paths: ['/{slug}'], tags: ['page:{id}'] },
  {
    collection: 'articles',
    source: 'directus',
    paths: ['/articles/{slug}', '/articles'],
    tags: ['article:{id}', 'category:{category.slug}'],
    when: { status: 'published' },
  },
])

/**
 * buttons:1 ← cta:1 (cta.button) ← sections:1,2 (sections.cta) ← pages:1,2 (pages.sections);
 * tags:5 ← articles:1 via articles_tags; snippets:1 ⇄ snippets:2 ← sections:3 ← pages:3.
 */
export function directusFixture(delayMs?: number) {
  const cms = createDirectusEmulator({ token: DIRECTUS_TOKEN, ...(delayMs ? { delayMs } : {}) })
  const g = cms.graph
  g.relate({ collection: 'cta', field: 'button', related_collection: 'buttons' })
  g.relate({ collection: 'sections', field: 'cta', related_collection: 'cta' })
  g.relate({ collection: 'sections', field: 'snippet', related_collection: 'snippets' })
  g.relate({
    collection: 'sections',
    field: 'page',
    related_collection: 'pages',
    meta: { one_field: 'sections' },
  })
  g.relate({ collection: 'snippets', field: 'next', related_collection: 'snippets' })
  g.relate({ collection: 'articles', field: 'category', related_collection: 'categories' })
  g.relate({
    collection: 'articles_tags',
    field: 'articles_id',
    related_collection: 'articles',
    meta: { one_field: 'tags', junction_field: 'tags_id' },
  })
  g.relate({
    collection: 'articles_tags',
    field: 'tags_id',
    related_collection: 'tags',
    meta: { junction_field: 'articles_id' },
  })
  g.set('buttons', { id: 1, text: 'Buy' })
  g.set('cta', { id: 1, button: 1 })
  g.set('pages', { id: 1, slug: 'home' })
  g.set('pages', { id: 2, slug: 'about' })
  g.set('pages', { id: 3, slug: 'loop' })
  g.set('pages', { id: 4, slug: null })
  g.set('sections', { id: 1, page: 1, cta: 1 })
  g.set('sections', { id: 2, page: 2, cta: 1 })
  g.set('sections', { id: 3, page: 3, snippet: 1 })
  g.set('sections', { id: 4, page: 4, cta: 1 })
  g.set('snippets', { id: 1, next: 2 })
  g.set('snippets', { id: 2, next: 1 })
  g.set('categories', { id: 1, slug: 'news' })
  g.set('articles', { id: 1, slug: 'hello', status: 'published', category: 1 })
  g.set('tags', { id: 5, name: 'tech' })
  g.set('articles_tags', { id: 1, articles_id: 1, tags_id: 5 })
  return cms
}

export const CONTENTFUL = { spaceId: 'space1', environment: 'master', accessToken: 'cda-token' }

export const contentfulRules = routesConfig.parse([
  { collection: 'page', source: 'contentful', paths: ['/{locale}/{slug}'], tags: ['page:{id}'] },
])

/** img1 ← cta1 ← section1 ← page1, page2 (locales en-US and de); page2 has no German slug. */
export function contentfulFixture() {
  const cms = createContentfulEmulator(CONTENTFUL)
  const g = cms.graph
  g.publishAsset('img1', { title: { 'en-US': 'Logo' } })
  g.publishEntry('cta1', 'cta', { image: { 'en-US': g.assetLink('img1') } })
  g.publishEntry('section1', 'section', { cta: { 'en-US': g.link('cta1') } })
  g.publishEntry('page1', 'page', {
    slug: { 'en-US': 'home', de: 'start' },
    sections: { 'en-US': [g.link('section1')] },
  })
  g.publishEntry('page2', 'page', {
    slug: { 'en-US': 'shop' },
    sections: { 'en-US': [g.link('section1')] },
  })
  return cms
}
