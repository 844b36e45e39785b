import { describe, expect, it } from 'vitest'
import { PlanBuilder } from '../core/plan-merge.ts'
import { routesConfig } from '../core/routes.ts'
import { addItem, addPurge, type ItemOutcome } from './assemble.ts'

const rules = routesConfig.parse([
  {
    collection: 'articles',
    paths: ['/articles/{slug}', '/'],
    tags: ['article:{id}'],
    when: { status: 'published' },
  },
])

const outcome = (o: Partial<ItemOutcome>): ItemOutcome => ({
  source: 'directus',
  collection: 'articles',
  id: '7',
  action: 'update',
  views: [
    {
      source: 'directus',
      collection: 'articles',
      id: '7',
      fields: { slug: 'new', status: 'published' },
    },
  ],
  old: [],
  ...o,
})

const values = (b: PlanBuilder) => {
  const plan = b.build()
  return {
    paths: plan.paths.map((p) => [p.value, p.reasons.map((r) => r.kind)]),
    tags: plan.tags.map((t) => t.value),
  }
}

describe('addItem', () => {
  it('purges the old URL and the new one after a slug change', () => {
    const b = new PlanBuilder()
    const write = addItem(
      b,
      rules,
      outcome({ old: [{ locale: '', paths: ['/articles/old'], tags: ['article:7'] }] }),
    )
    expect(values(b)).toEqual({
      paths: [
        ['/', ['static']],
        ['/articles/new', ['rule']],
        ['/articles/old', ['old-route']],
      ],
      tags: ['article:7'],
    })
    expect(write?.routes).toEqual([{ locale: '', paths: ['/articles/new'], tags: ['article:7'] }])
  })

  it('purges what the index held for a deleted item and empties its entry', () => {
    const b = new PlanBuilder()
    const write = addItem(
      b,
      rules,
      outcome({
        action: 'delete',
        views: null,
        old: [{ locale: '', paths: ['/articles/x'], tags: [] }],
      }),
    )
    const plan = b.build()
    expect(plan.paths.map((p) => p.value)).toEqual(['/', '/articles/x'])
    expect(plan.paths[1]?.reasons).toEqual([{ kind: 'old-route', detail: 'articles:7 delete' }])
    expect(write?.routes).toEqual([])
  })

  it('purges nothing for a draft that never had routes', () => {
    const b = new PlanBuilder()
    const draft = outcome({
      views: [
        {
          source: 'directus',
          collection: 'articles',
          id: '7',
          fields: { slug: 'x', status: 'draft' },
        },
      ],
    })
    addItem(b, rules, draft)
    expect(b.build()).toEqual({ paths: [], tags: [], notes: [] })
  })

  it('gives a parent its chain as the reason', () => {
    const b = new PlanBuilder()
    addItem(b, rules, outcome({ action: 'parent', chain: 'cta:1 ← articles:7' }))
    expect(b.build().paths[1]?.reasons).toEqual([{ kind: 'parent', detail: 'cta:1 ← articles:7' }])
  })

  it('ignores collections without rules', () => {
    const b = new PlanBuilder()
    expect(addItem(b, rules, outcome({ collection: 'cta' }))).toBeUndefined()
    expect(b.build().paths).toEqual([])
  })
})

describe('addPurge', () => {
  it('adds explicit paths and tags', () => {
    const b = new PlanBuilder()
    addPurge(b, { kind: 'purge', source: 'generic', paths: ['/x'], tags: ['t'] })
    expect(b.build().paths).toEqual([
      { value: '/x', reasons: [{ kind: 'explicit', detail: 'generic: given' }] },
    ])
  })
})
