import { describe, expect, it } from 'vitest'
import type { Plan } from './domain.ts'
import { MAX_REASONS_PER_ENTRY, mergePlans, PlanBuilder } from './plan-merge.ts'

const plan = (paths: [string, string][], tags: [string, string][] = []): Plan => ({
  paths: paths.map(([value, detail]) => ({ value, reasons: [{ kind: 'rule', detail }] })),
  tags: tags.map(([value, detail]) => ({ value, reasons: [{ kind: 'explicit', detail }] })),
  notes: [],
})

describe('mergePlans', () => {
  it('keeps each value once with every reason', () => {
    const merged = mergePlans(
      plan([['/b', 'articles:1']], [['x', 'manual']]),
      plan([
        ['/a', 'articles:2'],
        ['/b', 'articles:3'],
      ]),
    )
    expect(merged.paths).toEqual([
      { value: '/a', reasons: [{ kind: 'rule', detail: 'articles:2' }] },
      {
        value: '/b',
        reasons: [
          { kind: 'rule', detail: 'articles:1' },
          { kind: 'rule', detail: 'articles:3' },
        ],
      },
    ])
    expect(merged.tags.map((t) => t.value)).toEqual(['x'])
  })

  it('drops identical reasons and notes', () => {
    const one = plan([['/a', 'articles:1']])
    one.notes.push({ level: 'warn', message: 'slug missing' })
    const merged = mergePlans(one, one)
    expect(merged.paths[0]?.reasons).toHaveLength(1)
    expect(merged.notes).toHaveLength(1)
  })

  it('keeps a path and a tag of the same text apart', () => {
    const merged = mergePlans(plan([['news', 'a:1']], [['news', 'b']]))
    expect(merged.paths).toHaveLength(1)
    expect(merged.tags).toHaveLength(1)
  })
})

describe('PlanBuilder', () => {
  it('caps reasons per entry and says how many it left out', () => {
    const builder = new PlanBuilder()
    for (let i = 0; i < MAX_REASONS_PER_ENTRY + 5; i++) {
      builder.addPath('/', { kind: 'parent', detail: `cta:${i}` })
    }
    const reasons = builder.build().paths[0]?.reasons ?? []
    expect(reasons).toHaveLength(MAX_REASONS_PER_ENTRY + 1)
    expect(reasons.at(-1)).toEqual({ kind: 'parent', detail: 'and 5 more' })
  })
})
