import { describe, expect, it } from 'vitest'
import {
  akamaiTag,
  bucketTag,
  edgeTag,
  layerTagHeaders,
  MAX_TAGS_ON_OBJECT,
  objectTags,
  purgeTagsFor,
} from './layer-tags.ts'

describe('tags every layer can read', () => {
  it('lower-cases tags and hashes those CloudFront would refuse', () => {
    expect(edgeTag('Articles:42')).toBe('articles:42')
    expect(edgeTag('a b')).toMatch(/^h:[0-9a-f]{8}$/)
    expect(edgeTag('x'.repeat(257))).toMatch(/^h:[0-9a-f]{8}$/)
    expect(edgeTag('a,b')).toBe(edgeTag('a,b'))
    expect(edgeTag('a,b')).not.toBe(edgeTag('a,c'))
  })

  it('keeps at most 50 tags on an object; what freshet purges for any tag is on it', () => {
    const tags = Array.from({ length: 200 }, (_, i) => `Tag-${i}`)
    const carried = objectTags(tags)
    expect(carried.length).toBeLessThanOrEqual(MAX_TAGS_ON_OBJECT)
    for (const tag of tags) expect(purgeTagsFor(tag).some((t) => carried.includes(t))).toBe(true)
    expect(objectTags(['a', 'b'])).toEqual(['a', 'b'])
    expect(bucketTag('a')).toMatch(/^b:[0-7]$/)
  })

  it('spells one list in each layer’s header', () => {
    expect(
      layerTagHeaders(['articles', 'articles:42'], { cloudfrontHeader: 'x-amz-meta-tags' }),
    ).toEqual({
      'Cache-Tag': 'articles,articles:42',
      'Surrogate-Key': 'articles articles:42',
      'Edge-Cache-Tag': `articles,${akamaiTag('articles:42')}`,
      xkey: 'articles articles:42',
      'x-amz-meta-tags': 'articles,articles:42',
    })
  })

  it('spells Edge-Cache-Tag within Akamai’s rules (no colons, at most 128 characters)', () => {
    const tags = [
      'Articles:42',
      'x'.repeat(200),
      'plain-tag',
      ...Array.from({ length: 60 }, (_, i) => `t${i}`),
    ]
    const carried = layerTagHeaders(tags)['Edge-Cache-Tag']?.split(',') ?? []
    expect(carried.length).toBe(objectTags(tags).length)
    for (const tag of carried) expect(tag).toMatch(/^[A-Za-z0-9&'^\-$!`#%.+~_|]{1,128}$/)
    expect(carried).toContain('plain-tag')
    expect(akamaiTag('articles:42')).toMatch(/^h-[0-9a-f]{8}$/)
  })
})
