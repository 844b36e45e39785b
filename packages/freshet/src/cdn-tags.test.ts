import { layerTagHeaders } from '@freshet/next/protocol'
import { describe, expect, it } from 'vitest'
import { createDistributions } from './cdn.ts'
import { parseConfig } from './config/load.ts'
import { cdnItems } from './core/cdn-items.ts'
import { createLifecycle } from './pipeline/lifecycle.ts'
import { cdnItemOptions } from './pipeline/stage-cdn.ts'

const BASE = 'https://www.example.com'
const config = parseConfig(
  {
    cdn: {
      cloudfront: { distributionId: 'E2ABCDEF123456', tags: true, edgeTags: true },
      cloudflare: {
        zoneId: '023e105f4ecef8ad9ca31a8372d0c353',
        apiToken: 't',
        baseUrls: [BASE],
        edgeTags: true,
      },
      fastly: {
        serviceId: 'SU1Z0isxPaozGVKXdv0eY',
        apiToken: 't',
        baseUrls: [BASE],
        edgeTags: true,
      },
      akamai: {
        host: 'akab-h.luna.akamaiapis.net',
        clientToken: 'c',
        clientSecret: 's',
        accessToken: 'a',
        baseUrls: [BASE],
        edgeTags: true,
      },
      varnish: { urls: ['http://varnish:6081'], edgeTags: true },
    },
  },
  {} as NodeJS.ProcessEnv,
  'test',
)

// The header each layer reads, and how it separates tags.
const HEADER: Record<string, [string, string]> = {
  cloudfront: ['x-amz-meta-cache-tag', ','],
  cloudflare: ['Cache-Tag', ','],
  fastly: ['Surrogate-Key', ' '],
  akamai: ['Edge-Cache-Tag', ','],
  varnish: ['xkey', ' '],
}

describe('edgeTags on every layer', () => {
  // Upper-case, too long, with a space, and 60 in all: hashed, lower-cased and bucketed.
  const tags = [
    'Articles:42',
    `long:${'x'.repeat(300)}`,
    'with space',
    ...Array.from({ length: 57 }, (_, i) => `Tag${i}`),
  ]
  const headers = layerTagHeaders(tags)

  it('purges, on each layer, every tag its header carries for the object', () => {
    const { distributions, close } = createDistributions(config, createLifecycle())
    try {
      expect(distributions.map((d) => d.target.name).sort()).toEqual(Object.keys(HEADER).sort())
      for (const distribution of distributions) {
        const [name, separator] = HEADER[distribution.target.name] ?? ['', '']
        const carried = (headers[name] ?? '').split(separator)
        // Hashed tags on every layer; on Akamai, whose rules are narrower, buckets are hashed too.
        expect(carried.some((t) => /^h[:-][0-9a-f]{8}$/.test(t))).toBe(true)
        expect(carried.length).toBeLessThanOrEqual(50)
        if (distribution.target.name !== 'akamai')
          expect(carried.some((t) => /^b:[0-7]$/.test(t))).toBe(true)
        const { items } = cdnItems({ paths: [], tags }, cdnItemOptions(distribution))
        const purged = items.filter((i) => i.startsWith('#')).map((i) => i.slice(1))
        expect({
          layer: distribution.target.name,
          missing: carried.filter((t) => !purged.includes(t)),
        }).toEqual({ layer: distribution.target.name, missing: [] })
      }
    } finally {
      close()
    }
  })
})
