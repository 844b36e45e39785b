import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ContentApi, startContentApi } from './content-api.ts'
import { buildSite, type Fleet, startFleet } from './next-fleet.ts'

describe('next fleet', () => {
  let api: ContentApi
  let fleet: Fleet
  let buildId: string
  beforeAll(async () => {
    api = await startContentApi()
    buildId = (await buildSite({ contentApiUrl: api.url })).buildId
    fleet = await startFleet({ count: 2, contentApiUrl: api.url, token: 't' })
  })
  afterAll(async () => {
    await fleet?.stop()
    await api?.close()
  })

  it('reuses an up-to-date build', async () => {
    expect(await buildSite({ contentApiUrl: api.url })).toMatchObject({ built: false, buildId })
  })

  it('runs pods that answer, each rendering with its own id', async () => {
    expect(fleet.pods.map((pod) => pod.id)).toEqual(['pod-0', 'pod-1'])
    // Slugs no pod rendered before, one per pod: pods share `.next` on disk, so a page one pod
    // rendered is served from disk by the others (and the folder outlives runs).
    for (const [index, pod] of fleet.pods.entries()) {
      const slug = `fleet-${randomUUID()}`
      api.set({ id: 50 + index, slug, title: 'Rendered on demand', body: '' })
      const html = await (await fetch(`${pod.url}/legacy/${slug}`)).text()
      expect(html).toContain('data-testid="title">Rendered on demand<')
      expect(html).toContain(`data-testid="pod">${pod.id}<`)
    }
  })

  it('kills a pod with SIGKILL and starts another from the same build', async () => {
    await fleet.kill(0)
    expect(fleet.pods[0]?.process.signalCode).toBe('SIGKILL')
    await expect(fetch(`${fleet.pods[0]?.url}/`)).rejects.toThrow()

    const late = await fleet.start()
    expect(late.id).toBe('pod-2')
    const info = await fetch(`${late.url}/api/revalidate`, {
      headers: { authorization: 'Bearer t' },
    })
    expect(await info.json()).toMatchObject({ buildId })
  })
})
