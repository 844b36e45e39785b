import { describe, expect, it } from 'vitest'
import { routeRule } from '../../core/routes.ts'
import { whenFilter } from './reconcile.ts'

const rule = (when?: Record<string, unknown>) =>
  routeRule.parse({ collection: 'pages', source: 'directus', paths: ['/{slug}'], when })

describe('whenFilter', () => {
  it('asks Directus for the items a rule shows, as the planner matches them', () => {
    expect(whenFilter(rule())).toBeUndefined()
    expect(whenFilter(rule({ status: 'published' }))).toEqual({ status: { _in: ['published'] } })
    expect(
      whenFilter(rule({ status: ['published', 'archived'], 'category.slug': 'news' })),
    ).toEqual({
      _and: [
        { status: { _in: ['published', 'archived'] } },
        { category: { slug: { _in: ['news'] } } },
      ],
    })
    expect(whenFilter(rule({ hidden: [null, false] }))).toEqual({
      _or: [{ hidden: { _null: true } }, { hidden: { _in: [false] } }],
    })
  })
})
