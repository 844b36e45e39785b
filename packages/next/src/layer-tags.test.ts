import { describe, expect, it } from 'vitest'
import {
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
      'Edge-Cache-Tag': 'articles,articles:42',
      xkey: 'articles articles:42',
      'x-amz-meta-tags': 'articles,articles:42',
    })
  })
})
