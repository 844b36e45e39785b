import { describe, expect, it } from 'vitest'
import { cacheTagHeaders, cacheTagValue, withCacheTags } from './cache-tag-header.ts'
import { collectionTag, itemTag, tags } from './tags.ts'

describe('tags', () => {
  it('spells item and collection tags as the README says', () => {
    expect(tags.item('articles', 42)).toBe('articles:42')
    expect(itemTag('articles', 'abc-DEF_1')).toBe('articles:abc-DEF_1')
    expect(tags.collection('articles')).toBe('articles')
    expect(collectionTag('blog.posts')).toBe('blog.posts')
  })

  it.each([
    () => tags.collection(''),
    () => tags.collection('a:b'),
    () => tags.item('articles', ''),
    () => tags.item('articles', 'a b'),
    () => tags.item('articles', 'a,b'),
    () => tags.item('articles', 'x'.repeat(300)),
  ])('refuses what a CDN or Next.js could not carry (%#)', (make) => {
    expect(make).toThrow(/\[freshet\] \[tags\]/)
  })
})

describe('cache-tag header', () => {
  it('joins unique tags with commas under the default or a named header', () => {
    expect(cacheTagValue(['articles', 'articles:1', 'articles'])).toBe('articles,articles:1')
    expect(cacheTagHeaders(['a'])).toEqual({ 'Cache-Tag': 'a' })
    expect(cacheTagHeaders(['a'], { header: 'x-cf-tags' })).toEqual({ 'x-cf-tags': 'a' })
  })

  it('sets the header on a response', () => {
    const response = withCacheTags(new Response('ok'), ['articles', 'articles:7'])
    expect(response.headers.get('cache-tag')).toBe('articles,articles:7')
  })

  it('refuses more than the 50 tags a CDN object keeps', () => {
    expect(() => cacheTagValue(Array.from({ length: 51 }, (_, i) => `t${i}`))).toThrow(/50/)
  })
})
