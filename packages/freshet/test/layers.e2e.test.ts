import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AkamaiEmulator, startAkamaiEmulator } from '@freshet/emulators/akamai'
import { type CloudflareEmulator, startCloudflareEmulator } from '@freshet/emulators/cloudflare'
import { type FastlyEmulator, startFastlyEmulator } from '@freshet/emulators/fastly'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config/load.ts'
import { createService } from '../src/service.ts'

/** Three CDNs at once (a migration), configured as a user writes freshet.yaml, through the API. */

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353'
const BASE = 'https://www.example.com'
const akamaiCredentials = {
  clientToken: 'akab-client',
  clientSecret: 'c2VjcmV0LWZvci10aGUtZW11bGF0b3I=',
  accessToken: 'akab-access',
}
let dir: string
let cloudflare: CloudflareEmulator
let fastly: FastlyEmulator
let akamai: AkamaiEmulator
let service: Awaited<ReturnType<typeof createService>>
const admin = { authorization: 'Bearer layers-admin' }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'freshet-layers-'))
  cloudflare = await startCloudflareEmulator({ zoneId: ZONE, apiToken: 'cf-token' })
  fastly = await startFastlyEmulator({ serviceId: 'SVC1', apiToken: 'fastly-key' })
  akamai = await startAkamaiEmulator({ ...akamaiCredentials, estimatedSeconds: 1 })
  const config = parseConfig(
    {
      server: { port: 0, adminToken: 'layers-admin' },
      store: { dir: join(dir, 'store') },
      sources: { generic: { token: 'layers-hook' } },
      cdn: {
        cloudflare: {
          zoneId: ZONE,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: freshet.yaml's ${ENV} interpolation
          apiToken: '${CF_TOKEN}',
          apiUrl: `${cloudflare.url}/client/v4`,
          baseUrls: [BASE],
        },
        fastly: {
          serviceId: 'SVC1',
          apiToken: 'fastly-key',
          apiUrl: fastly.url,
          baseUrls: [BASE],
          soft: true,
        },
        akamai: { ...akamaiCredentials, host: akamai.host, apiUrl: akamai.url, baseUrls: [BASE] },
      },
      planner: { coalesce: { windowMs: 10, maxWaitMs: 100 } },
    },
    { ...process.env, CF_TOKEN: 'cf-token' },
    'layers',
  )
  service = await createService(config)
})

afterAll(async () => {
  await service?.stop()
  await Promise.all([cloudflare?.close(), fastly?.close(), akamai?.close()])
  rmSync(dir, { recursive: true, force: true })
})

describe('Cloudflare, Fastly and Akamai together', () => {
  it('purges paths and tags on each, tracks Akamai to Completed, and shows every layer', async () => {
    const hook = await service.app.request('/hooks/generic', {
      method: 'POST',
      headers: { authorization: 'Bearer layers-hook', 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['/articles/a'], tags: ['articles:1'] }),
    })
    expect(hook.status).toBe(202)
    const { id } = (await hook.json()) as { id: string }
    const view = async () =>
      (await (await service.app.request(`/api/events/${id}`, { headers: admin })).json()) as {
        status: string
        invalidations: { target: string; status: string }[]
      }
    await expect.poll(async () => (await view()).status, { timeout: 20_000 }).toBe('completed')
    expect((await view()).invalidations.map((i) => [i.target, i.status]).sort()).toEqual([
      ['akamai', 'Completed'],
      ['cloudflare', 'Completed'],
      ['fastly', 'Completed'],
    ])
    expect(cloudflare.purges).toEqual([
      { kind: 'files', values: [`${BASE}/articles/a`] },
      { kind: 'tags', values: ['articles:1'] },
    ])
    expect(fastly.purges).toEqual([
      { kind: 'keys', values: ['articles:1'], soft: true },
      { kind: 'url', values: ['www.example.com/articles/a'], soft: true },
    ])
    expect(akamai.purges.map((p) => [p.type, p.objects])).toEqual([
      ['url', [`${BASE}/articles/a`]],
      ['tag', ['articles:1']],
    ])
  }, 30_000)
})
