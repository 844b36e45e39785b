import { describe, expect, it } from 'vitest'
import { discoveryContract } from './contract.ts'
import { staticDiscovery, staticDiscoveryOptions, staticPod } from './static.ts'

discoveryContract(
  'static',
  async () => ({
    // The same pod twice (once with a trailing slash): listed once.
    discovery: staticDiscovery({
      urls: ['http://10.0.0.7:3000', 'http://10.0.0.8:3000/', 'http://10.0.0.7:3000/'],
    }),
    expected: [
      { id: '10.0.0.7:3000', url: 'http://10.0.0.7:3000' },
      { id: '10.0.0.8:3000', url: 'http://10.0.0.8:3000' },
    ],
  }),
  { changes: false, watch: false },
)

describe('static discovery', () => {
  it('names pods host:port, with default ports made explicit and IPv6 bracketed', () => {
    expect(staticPod('https://web.internal')).toEqual({
      id: 'web.internal:443',
      url: 'https://web.internal',
    })
    expect(staticPod('http://[fd00::7]:3000/')).toEqual({
      id: '[fd00::7]:3000',
      url: 'http://[fd00::7]:3000',
    })
    expect(staticPod('http://10.0.0.7:3000/base/')).toEqual({
      id: '10.0.0.7:3000',
      url: 'http://10.0.0.7:3000/base',
    })
  })

  it('refuses what is not an http(s) URL, naming the origin', () => {
    expect(() => staticPod('10.0.0.7:3000')).toThrow(/\[freshet\] \[static\]/)
    expect(() => staticPod('ftp://10.0.0.7')).toThrow(/http:\/\/ or https:\/\//)
  })

  it('validates the config: a non-empty array of pod URLs', () => {
    expect(staticDiscoveryOptions.parse(['http://10.0.0.7:3000'])).toEqual(['http://10.0.0.7:3000'])
    expect(staticDiscoveryOptions.safeParse([]).success).toBe(false)
    expect(staticDiscoveryOptions.safeParse(['ftp://10.0.0.7']).success).toBe(false)
    expect(staticDiscoveryOptions.safeParse(['http://10.0.0.7:3000/?x=1']).success).toBe(false)
    expect(staticDiscoveryOptions.description).toMatch(/pod URLs/)
  })
})
