import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cloudFrontLimits, loadOf } from './cdn-chunks.ts'
import {
  completionEstimate,
  covers,
  estimateSeconds,
  foldersOf,
  loadAhead,
  type WidenInput,
  widen,
} from './widen.ts'

const paths = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
const idle = { paths: 0, wildcards: 0 }
const base = {
  limits: cloudFrontLimits,
  completionSeconds: 15,
  maxDelaySeconds: 120,
  allowSiteWide: false,
  targetName: 'CloudFront',
}

describe('estimateSeconds', () => {
  it('counts whole waves of the limits behind what is ahead', () => {
    const limits = cloudFrontLimits
    expect(estimateSeconds(idle, { paths: 1, wildcards: 0 }, limits, 15)).toBe(15)
    expect(estimateSeconds(idle, { paths: 3001, wildcards: 0 }, limits, 15)).toBe(30)
    expect(
      estimateSeconds({ paths: 24_000, wildcards: 0 }, { paths: 1, wildcards: 0 }, limits, 15),
    ).toBe(135)
    // Wildcards have a budget of their own: they do not wait behind paths.
    expect(
      estimateSeconds({ paths: 24_000, wildcards: 2 }, { paths: 0, wildcards: 3 }, limits, 15),
    ).toBe(15)
  })
})

describe('foldersOf', () => {
  it('lists the folders above a path or wildcard, deepest first', () => {
    expect(foldersOf('/en/articles/42')).toEqual(['/en/articles/', '/en/', '/'])
    expect(foldersOf('/articles/42?_rsc=*')).toEqual(['/articles/', '/'])
    expect(foldersOf('/')).toEqual(['/'])
  })
})

describe('widen', () => {
  it('changes nothing when the batch fits within maxDelaySeconds', () => {
    const items = [...paths('/articles/', 5000), '#articles']
    const result = widen({ ...base, items, ahead: { paths: 3000, wildcards: 0 } })
    expect(result.widened).toBe(false)
    expect(result.items).toEqual([...items].sort())
    expect(result.notes).toEqual([])
  })

  it('groups a burst into the folders that hold it, with a note saying why and what it costs', () => {
    const items = [
      ...paths('/articles/', 1840),
      ...paths('/authors/', 300),
      ...paths('/tags/', 60),
      '/',
      '#articles',
    ]
    const result = widen({ ...base, items, ahead: { paths: 30_000, wildcards: 0 } })
    expect(result.widened).toBe(true)
    expect(result.items).toEqual(['#articles', '/', '/articles/*', '/authors/*', '/tags/*'])
    expect(result.groups).toContainEqual({ wildcard: '/articles/*', replaced: 1840 })
    const messages = result.notes.map((n) => n.message)
    expect(messages[0]).toContain('CloudFront')
    expect(messages[0]).toContain('maxDelaySeconds 120')
    expect(messages).toContain(
      'widened 1,840 items under /articles/ into /articles/*: billed 1 path instead of 1,840; purges every object cached under /articles/, not only these',
    )
  })

  it('keeps the deepest folders, merging upward only when the wildcards would not fit', () => {
    const sections = ['news', 'sport', 'culture']
    const items = ['en', 'de'].flatMap((lang) =>
      sections.flatMap((s) => paths(`/${lang}/${s}/`, 200)),
    )
    const roomy = widen({ ...base, items, ahead: { paths: 30_000, wildcards: 0 } })
    expect(roomy.items).toHaveLength(6)
    expect(roomy.items).toContain('/en/news/*')
    // Only 2 wildcard slots left in the budget: the languages instead.
    const tight = widen({ ...base, items, ahead: { paths: 30_000, wildcards: 118 } })
    expect(tight.items).toEqual(['/de/*', '/en/*'])
  })

  it('leaves as many exact paths as there is room for, widening the largest folders first', () => {
    const items = [...paths('/big/', 2000), ...paths('/small/', 10)]
    // 8 waves of 3,000 = 24,000, less 23,500 ahead: room for 500 exact paths.
    const result = widen({ ...base, items, ahead: { paths: 23_500, wildcards: 0 } })
    expect(result.items).toEqual(['/big/*', ...paths('/small/', 10)].sort())
  })

  it('never purges the whole site unless allowed, and says so when the bound is missed', () => {
    const items = [...paths('/', 50), ...paths('/a/', 50)]
    const ahead = { paths: 30_000, wildcards: 0 }
    const refused = widen({ ...base, items, ahead })
    expect(refused.items).not.toContain('/*')
    expect(refused.items).toContain('/a/*')
    expect(refused.notes[0]?.level).toBe('warn')
    expect(refused.notes[0]?.message).toContain('a site-wide purge is not allowed (allowSiteWide)')
    const allowed = widen({ ...base, items: [...items, '#t'], ahead, allowSiteWide: true })
    expect(allowed.items).toEqual(['/*'])
    expect(allowed.notes.map((n) => n.message).join('\n')).toContain('purges the whole site')
  })
})

const segment = fc.constantFrom('a', 'b', 'c', 'articles', 'en', 'x-1')
const path = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 3 }), fc.nat(40))
  .map(([folders, n]) => `/${[...folders, String(n)].join('/')}`)
const item = fc.oneof(
  { weight: 8, arbitrary: path },
  { weight: 1, arbitrary: path.map((p) => `${p}?_rsc=*`) },
  { weight: 1, arbitrary: fc.constantFrom('#t1', '#t2', '#articles') },
)
const input: fc.Arbitrary<WidenInput> = fc.record({
  items: fc.array(item, { maxLength: 300 }),
  limits: fc.record({
    maxPaths: fc.integer({ min: 1, max: 200 }),
    maxWildcards: fc.integer({ min: 1, max: 15 }),
  }),
  ahead: fc.record({ paths: fc.nat(2000), wildcards: fc.nat(40) }),
  completionSeconds: fc.integer({ min: 1, max: 60 }),
  maxDelaySeconds: fc.integer({ min: 1, max: 300 }),
  elapsedSeconds: fc.nat(100),
  allowSiteWide: fc.boolean(),
})

describe('widen, for any batch and backlog', () => {
  it('covers every item given with what it purges', () => {
    fc.assert(
      fc.property(input, (given) => {
        const { items } = widen(given)
        for (const original of given.items)
          expect(items.some((by) => covers(by, original))).toBe(true)
      }),
    )
  })

  it('never adds wildcards past the limits, nor paths past the batch', () => {
    fc.assert(
      fc.property(input, (given) => {
        const result = widen(given)
        const before = loadOf([...new Set(given.items)])
        const after = loadOf(result.items)
        expect(after.paths).toBeLessThanOrEqual(before.paths)
        if (result.widened)
          expect(after.wildcards).toBeLessThanOrEqual(
            Math.max(given.limits.maxWildcards, before.wildcards),
          )
      }),
    )
  })

  it('widens only what does not fit, and then says so', () => {
    fc.assert(
      fc.property(input, (given) => {
        const result = widen(given)
        const fits =
          estimateSeconds(
            given.ahead,
            loadOf([...new Set(given.items)]),
            given.limits,
            given.completionSeconds,
          ) +
            (given.elapsedSeconds ?? 0) <=
          given.maxDelaySeconds
        if (fits) expect(result).toMatchObject({ widened: false, notes: [] })
        if (result.widened) expect(result.notes.length).toBe(1 + result.groups.length)
        else expect(result.items).toEqual([...new Set(given.items)].sort())
      }),
    )
  })

  it('purges the whole site only when allowed', () => {
    fc.assert(
      fc.property(input, (given) => {
        const result = widen({ ...given, allowSiteWide: false })
        if (!given.items.includes('/*')) expect(result.items).not.toContain('/*')
      }),
    )
  })
})

describe('completionEstimate and loadAhead', () => {
  it('takes the median completion observed, 25 s before any', () => {
    expect(completionEstimate([])).toBe(25)
    expect(completionEstimate([15, 14, 40])).toBe(15)
  })

  it('adds what waiting batches still have to send, in whole chunks, to what is in progress', () => {
    const waiting = [
      { widened: null, planned: 5000, submitted: 3000 },
      { widened: ['/a/*', '/b/*', '/c'], planned: 9000, submitted: 0 },
      { widened: ['/d/*'], planned: 10, submitted: 1 },
    ]
    // Each batch's rest in whole chunks: 2,000 → 3,000; 2 → 3,000; 0 → 0.
    expect(loadAhead({ paths: 2500, wildcards: 4 }, waiting, cloudFrontLimits)).toEqual({
      paths: 8500,
      wildcards: 6,
    })
  })
})
