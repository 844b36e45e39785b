import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cdnItems, normalisePath } from './cdn-items.ts'

describe('normalisePath', () => {
  it('adds the leading slash and percent-encodes what CloudFront needs encoded', () => {
    expect(normalisePath('blog/a').item).toBe('/blog/a')
    expect(normalisePath('/café au lait').item).toBe('/caf%C3%A9%20au%20lait')
    expect(normalisePath('/a"b<c>{d}|e^f`g#h[i]').item).toBe(
      '/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g%23h%5Bi%5D',
    )
    expect(normalisePath('/emoji/😀').item).toBe('/emoji/%F0%9F%98%80')
    expect(normalisePath('/already%2fencoded%zz').item).toBe('/already%2Fencoded%25zz')
    expect(normalisePath('/search?q=a&b=c').item).toBe('/search?q=a&b=c')
  })

  it('makes "*" a wildcard only at the end, broadening a path that has one inside', () => {
    expect(normalisePath('/a/*').item).toBe('/a/*')
    const inside = normalisePath('/a*/b')
    expect(inside.item).toBe('/a*')
    expect(inside.note?.reason).toBe('broadened')
  })

  it('broadens paths over 4,000 characters and refuses control characters', () => {
    const long = normalisePath(`/${'é'.repeat(2000)}`)
    expect(long.item?.length).toBeLessThanOrEqual(4000)
    expect(long.item).toMatch(/^\/(%C3%A9)+\*$/)
    const control = normalisePath('/a\nb')
    expect(control.item).toBeUndefined()
    expect(control.note?.reason).toBe('invalid')
  })

  it('always yields what CloudFront accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (path) => {
        const { item } = normalisePath(path)
        if (item === undefined) return
        expect(item.startsWith('/')).toBe(true)
        expect(item.length).toBeLessThanOrEqual(4000)
        expect(item).toMatch(/^[\x21-\x7e]+$/)
        expect(item.slice(0, -1)).not.toContain('*')
      }),
    )
  })
})

describe('cdnItems', () => {
  it('de-duplicates and drops what a wildcard of the set covers', () => {
    const { items, notes } = cdnItems({
      paths: ['/b', '/a/x', '/a*', '/b', '/a/*', '/ab', '/c'],
      tags: [],
    })
    expect(items).toEqual(['/a*', '/b', '/c'])
    expect(notes.filter((n) => n.reason === 'covered').map((n) => n.value)).toEqual([
      '/a/*',
      '/a/x',
      '/ab',
    ])
    expect(notes.some((n) => n.reason === 'duplicate')).toBe(true)
  })

  it('turns valid tags into #tag items when the distribution has tags', () => {
    const { items, notes } = cdnItems(
      { paths: ['/a'], tags: ['article:1', 'bad tag', 'a,b', 'article:1'] },
      { tags: true },
    )
    expect(items).toEqual(['/a', '#article:1'])
    expect(notes.filter((n) => n.reason === 'invalid').map((n) => n.value)).toEqual([
      'bad tag',
      'a,b',
    ])
    const without = cdnItems({ paths: ['/a'], tags: ['t'] })
    expect(without.items).toEqual(['/a'])
    expect(without.notes[0]?.reason).toBe('tags-unsupported')
  })

  it('adds ?_rsc=* variants for exact paths only', () => {
    const { items } = cdnItems({ paths: ['/a', '/b*', '/c?x=1'], tags: [] }, { rscVariants: true })
    expect(items).toEqual(['/a', '/a?_rsc=*', '/b*', '/c?x=1'])
  })

  it('collapses many paths under one parent into a wildcard at the threshold', () => {
    const paths = ['/blog/a', '/blog/b', '/blog/c', '/docs/a', '/docs/b']
    const { items, notes } = cdnItems({ paths, tags: [] }, { collapse: 3, rscVariants: true })
    expect(items).toEqual(['/blog/*', '/docs/a', '/docs/a?_rsc=*', '/docs/b', '/docs/b?_rsc=*'])
    expect(notes.find((n) => n.reason === 'collapsed')?.message).toContain('3 paths under /blog/')
  })

  it('never keeps an item that a kept wildcard covers, nor a duplicate', () => {
    const path = fc.stringMatching(/^\/[ab/]{0,5}\*?$/)
    fc.assert(
      fc.property(fc.array(path, { maxLength: 40 }), (paths) => {
        const { items } = cdnItems({ paths, tags: [] })
        expect(new Set(items).size).toBe(items.length)
        const prefixes = items.filter((i) => i.endsWith('*')).map((i) => i.slice(0, -1))
        for (const i of items) {
          expect(prefixes.filter((p) => i.startsWith(p) && i !== `${p}*`)).toEqual([])
        }
        for (const p of paths) {
          expect(
            items.some((i) => i === p || (i.endsWith('*') && p.startsWith(i.slice(0, -1)))),
          ).toBe(true)
        }
      }),
    )
  })
})

describe('edgeTags', () => {
  it('purges each tag as the site spells it, and its bucket', () => {
    const { items } = cdnItems({ paths: [], tags: ['Articles:42'] }, { tags: true, edgeTags: true })
    expect(items).toEqual(expect.arrayContaining(['#articles:42']))
    expect(items.some((item) => /^#b:[0-7]$/.test(item))).toBe(true)
    expect(items.length).toBe(2)
  })
})
