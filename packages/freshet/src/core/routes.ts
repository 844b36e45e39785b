/**
 * Route rules: which paths and tags an item of a collection (Directus) or content type
 * (Contentful) appears under. Pure. A template names fields in braces: `/articles/{slug}`,
 * `/{locale}/blog/{slug}`, `/c/{category.slug}`, one value per array element with `*`:
 * `tag:{tags.*.slug}`. A template whose field is missing renders nothing and says why.
 */
import { z } from 'zod'
import type { PlanNote } from './domain.ts'
import { pathProblem, tagProblem } from './limits.ts'

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])

export const routeRule = z.strictObject({
  collection: z
    .string()
    .min(1)
    .describe('Directus collection or Contentful content type id (or `Asset`) this rule is for.'),
  source: z
    .string()
    .min(1)
    .optional()
    .describe('Only apply to changes from this source (`directus`, `contentful`); all if absent.'),
  paths: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Path templates, e.g. `/articles/{slug}`, `/{locale}/blog/{slug}`, `/c/{category.slug}`, ' +
        '`/t/{tags.*.slug}`. A template without braces is a static path (a listing).',
    ),
  tags: z
    .array(z.string().min(1))
    .default([])
    .describe('Cache tag templates, e.g. `article:{id}`, `articles`.'),
  when: z
    .record(z.string(), z.union([scalar, z.array(scalar)]))
    .optional()
    .describe(
      'Only items whose fields match have routes, e.g. `{ status: published }`; a list means ' +
        'any of. An item that stops matching has its old routes purged.',
    ),
  extra: z
    .array(z.string().min(1))
    .default([])
    .describe('Listing paths purged whenever an item of the collection (had or has) routes.'),
  publishDateField: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Directus: field holding the publish date; a future date delays the purge until then, ' +
        'and the sweep finds items gone live (`sources.directus.schedule` wins for a collection).',
    ),
})

export type RouteRule = z.output<typeof routeRule>

export const routesConfig = z
  .array(routeRule)
  .default([])
  .describe('Route rules: collection (Directus) or content type (Contentful) → paths and tags.')

/** One item seen in one locale: `fields` hold plain values (Contentful's are de-localised). */
export interface RouteItem {
  source: string
  collection: string
  id: string
  fields: Record<string, unknown>
  locale?: string
}

export interface RenderedRoutes {
  paths: string[]
  tags: string[]
  notes: PlanNote[]
}

const PLACEHOLDER = /\{([^{}]+)\}/g
/** A template with array fields multiplies; past this many values the rest is dropped. */
export const MAX_VALUES_PER_TEMPLATE = 1000

export function rulesFor(rules: readonly RouteRule[], source: string, collection: string) {
  return rules.filter((r) => r.collection === collection && (!r.source || r.source === source))
}

export const isStaticTemplate = (template: string): boolean => !template.includes('{')

/** The placeholders a template uses, e.g. `["locale", "tags.*.slug"]`. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? '').trim())
}

/** The item fields the rules need (dotted, `*` dropped): what to ask the CMS for. */
export function neededFields(rules: readonly RouteRule[]): string[] {
  const fields = new Set<string>()
  for (const rule of rules) {
    const templates = [...rule.paths, ...rule.tags]
    for (const field of templates.flatMap(templateFields)) {
      if (field === 'id' || field === 'locale') continue
      fields.add(
        field
          .split('.')
          .filter((s) => s !== '*')
          .join('.'),
      )
    }
    for (const key of Object.keys(rule.when ?? {})) fields.add(key)
  }
  return [...fields].sort()
}

/** Every value at a dotted path; `*` (or an array met on the way) yields each element. */
export function fieldValues(value: unknown, segments: readonly string[]): unknown[] {
  if (segments.length === 0) return Array.isArray(value) ? value : [value]
  const [head, ...rest] = segments
  if (Array.isArray(value)) {
    const next = head === '*' ? rest : segments
    return value.flatMap((element) => fieldValues(element, next))
  }
  if (head === '*') return fieldValues(value, rest)
  if (value === null || typeof value !== 'object' || head === undefined) return []
  return fieldValues((value as Record<string, unknown>)[head], rest)
}

function placeholderValues(item: RouteItem, field: string): string[] {
  if (field === 'id') return [item.id]
  if (field === 'locale') return item.locale ? [item.locale] : []
  return fieldValues(item.fields, field.split('.')).flatMap((v) =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? [String(v)] : [],
  )
}

export type Rendered = { values: string[] } | { missing: string; values?: undefined }

/** Renders one template for one item; each value is URL-encoded as a path segment. */
export function renderTemplate(template: string, item: RouteItem): Rendered {
  let results = ['']
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    const field = (match[1] ?? '').trim()
    const literal = template.slice(last, match.index)
    last = match.index + match[0].length
    const values = [...new Set(placeholderValues(item, field).filter((v) => v !== ''))]
    if (values.length === 0) return { missing: field }
    const encoded = values.map(encodeURIComponent)
    results = results.flatMap((prefix) => encoded.map((v) => prefix + literal + v))
    results = results.slice(0, MAX_VALUES_PER_TEMPLATE)
  }
  const tail = template.slice(last)
  return { values: results.map((r) => r + tail) }
}

/** Does the item match the rule's `when` conditions? */
export function matchesWhen(rule: RouteRule, fields: Record<string, unknown>): boolean {
  return Object.entries(rule.when ?? {}).every(([key, expected]) => {
    const actual = fieldValues(fields, key.split('.'))[0] ?? null
    const allowed = Array.isArray(expected) ? expected : [expected]
    return allowed.some((a) => a === actual)
  })
}

const label = (item: RouteItem) =>
  `${item.collection}:${item.id}${item.locale ? ` (${item.locale})` : ''}`

function renderInto(
  out: RenderedRoutes,
  kind: 'path' | 'tag',
  template: string,
  item: RouteItem,
): void {
  const rendered = renderTemplate(template, item)
  if (rendered.values === undefined) {
    const message = `${label(item)}: ${kind} template "${template}" skipped: field "${rendered.missing}" is missing or empty`
    out.notes.push({ level: 'warn', message })
    return
  }
  for (const value of rendered.values) {
    const problem = kind === 'path' ? pathProblem(value) : tagProblem(value)
    if (problem) {
      out.notes.push({ level: 'warn', message: `${label(item)}: ${kind} "${value}" ${problem}` })
    } else {
      out[kind === 'path' ? 'paths' : 'tags'].push(value)
    }
  }
}

/** The item's own paths and tags under the rules that match it (static templates excluded). */
export function renderItemRoutes(rules: readonly RouteRule[], item: RouteItem): RenderedRoutes {
  const out: RenderedRoutes = { paths: [], tags: [], notes: [] }
  for (const rule of rulesFor(rules, item.source, item.collection)) {
    if (!matchesWhen(rule, item.fields)) continue
    for (const t of rule.paths) if (!isStaticTemplate(t)) renderInto(out, 'path', t, item)
    for (const t of rule.tags) if (!isStaticTemplate(t)) renderInto(out, 'tag', t, item)
  }
  return { paths: [...new Set(out.paths)], tags: [...new Set(out.tags)], notes: out.notes }
}

/** Paths and tags that name no field: purged whenever an item of the collection is affected. */
export function staticRoutes(rules: readonly RouteRule[], source: string, collection: string) {
  const matching = rulesFor(rules, source, collection)
  return {
    paths: [...new Set(matching.flatMap((r) => [...r.paths.filter(isStaticTemplate), ...r.extra]))],
    tags: [...new Set(matching.flatMap((r) => r.tags.filter(isStaticTemplate)))],
  }
}

/**
 * Contentful answers `locale=*` with locale-keyed fields (`{ slug: { 'en-US': 'a' } }`).
 * One view per locale (the space's, when known, else those the fields have); a field absent in
 * a locale falls back to `fallbackLocale`.
 */
export function localizedViews(
  fields: Record<string, unknown>,
  fallbackLocale?: string,
  spaceLocales?: readonly string[],
): Array<{ locale: string; fields: Record<string, unknown> }> {
  const perField = Object.entries(fields).filter(
    (e): e is [string, Record<string, unknown>] =>
      e[1] !== null && typeof e[1] === 'object' && !Array.isArray(e[1]),
  )
  const present = perField.flatMap(([, byLocale]) => Object.keys(byLocale))
  const locales = [...new Set(spaceLocales ?? present)].sort()
  return locales.map((locale) => {
    const view: Record<string, unknown> = {}
    for (const [name, byLocale] of perField) {
      const value = byLocale[locale] ?? (fallbackLocale ? byLocale[fallbackLocale] : undefined)
      if (value !== undefined) view[name] = value
    }
    return { locale, fields: view }
  })
}
