import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type Endpoint,
  type EndpointSlice,
  endpointSlice,
  type KubernetesEmulator,
  type ObjectMeta,
  startKubernetesEmulator,
} from './kubernetes.ts'
import type { StatusObject } from './kubernetes-watch.ts'

interface SliceList {
  kind: string
  metadata: { resourceVersion: string }
  items: EndpointSlice[]
}
interface Event {
  type: string
  object: { kind: string; metadata: ObjectMeta; endpoints: Endpoint[]; code?: number }
}

const base = '/apis/discovery.k8s.io/v1/namespaces/site/endpointslices'
const selector = 'labelSelector=kubernetes.io%2Fservice-name%3Dweb'

let emulator: KubernetesEmulator
beforeEach(async () => {
  emulator = await startKubernetesEmulator({ historyLimit: 50 })
})
afterEach(async () => {
  await emulator.close()
})

const web = (name: string, ips: string[]) =>
  endpointSlice({
    service: 'web',
    namespace: 'site',
    name,
    endpoints: ips.map((ip) => ({ ip, ready: true })),
  })

async function list(query = selector) {
  const response = await fetch(`${emulator.url}${base}?${query}`)
  return { status: response.status, body: (await response.json()) as SliceList }
}

/** Opens a watch and collects its events, line by line, until it ends or is cancelled. */
async function openWatch(query: string) {
  const controller = new AbortController()
  const response = await fetch(`${emulator.url}${base}?watch=true&${query}`, {
    signal: controller.signal,
  })
  const events: Event[] = []
  const done = (async () => {
    if (!response.body) return 'no body'
    const decoder = new TextDecoder()
    let buffered = ''
    try {
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk, { stream: true })
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) if (line) events.push(JSON.parse(line))
      }
      return 'ended'
    } catch {
      return 'dropped'
    }
  })()
  return { response, events, done, cancel: () => controller.abort() }
}

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(check()).toBe(true)
}

describe('kubernetes emulator: list', () => {
  it('lists slices of the selected service with the current resourceVersion', async () => {
    emulator.apply(web('web-a', ['10.0.0.1']))
    emulator.apply(endpointSlice({ service: 'api', namespace: 'site', endpoints: [] }))
    emulator.apply(endpointSlice({ service: 'web', namespace: 'other', endpoints: [] }))
    const { status, body } = await list()
    expect(status).toBe(200)
    expect(body.kind).toBe('EndpointSliceList')
    expect(body.metadata.resourceVersion).toBe(emulator.resourceVersion())
    expect(body.items.map((slice) => slice.metadata.name)).toEqual(['web-a'])
    expect(body.items[0]?.endpoints[0]?.addresses).toEqual(['10.0.0.1'])
  })

  it('answers Status objects for bad selectors, unknown paths and injected failures', async () => {
    expect((await list('labelSelector=a%20in%20(b)')).status).toBe(400)
    const missing = await fetch(`${emulator.url}/api/v1/pods`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as StatusObject).kind).toBe('Status')
    emulator.failNext('list', 503)
    expect((await list()).status).toBe(503)
    expect((await list()).status).toBe(200)
  })
})

describe('kubernetes emulator: watch', () => {
  it('replays changes after the resourceVersion, then streams live ones', async () => {
    const from = emulator.resourceVersion()
    emulator.apply(web('web-a', ['10.0.0.1']))
    const watch = await openWatch(`${selector}&resourceVersion=${from}`)
    expect(watch.response.headers.get('content-type')).toContain('application/json')
    await until(() => watch.events.length === 1)
    emulator.setEndpointReady('site', 'web-a', '10.0.0.1', false)
    emulator.remove('site', 'web-a')
    await until(() => watch.events.length === 3)
    expect(watch.events.map((event) => event.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED'])
    expect(watch.events[1]?.object.endpoints[0]?.conditions?.ready).toBe(false)
    expect(watch.events[2]?.object.metadata.resourceVersion).toBe(emulator.resourceVersion())
    watch.cancel()
    await until(() => emulator.openWatches().length === 0)
  })

  it('starts with ADDED for every object when no resourceVersion is given', async () => {
    emulator.apply(web('web-a', ['10.0.0.1']))
    emulator.apply(web('web-b', ['10.0.0.2']))
    const watch = await openWatch(selector)
    await until(() => watch.events.length === 2)
    expect(watch.events.every((event) => event.type === 'ADDED')).toBe(true)
    watch.cancel()
  })

  it('turns a slice that stops matching the selector into DELETED for that watch', async () => {
    const slice = emulator.apply(web('web-a', ['10.0.0.1']))
    const watch = await openWatch(`${selector}&resourceVersion=${emulator.resourceVersion()}`)
    emulator.apply({ ...slice, metadata: { ...slice.metadata, labels: { app: 'moved' } } })
    await until(() => watch.events.length === 1)
    expect(watch.events[0]?.type).toBe('DELETED')
    watch.cancel()
  })

  it('sends bookmarks only to watches that allow them', async () => {
    const rv = emulator.resourceVersion()
    const plain = await openWatch(`${selector}&resourceVersion=${rv}`)
    const marked = await openWatch(`${selector}&resourceVersion=${rv}&allowWatchBookmarks=true`)
    await until(() => emulator.openWatches().length === 2)
    emulator.bookmark()
    await until(() => marked.events.length === 1)
    expect(marked.events[0]).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: rv } },
    })
    expect(plain.events).toEqual([])
    plain.cancel()
    marked.cancel()
  })

  it('answers a too-old resourceVersion with a 410 Expired ERROR event and ends', async () => {
    const old = emulator.resourceVersion()
    emulator.apply(web('web-a', ['10.0.0.1']))
    emulator.compact()
    const watch = await openWatch(`${selector}&resourceVersion=${old}`)
    expect(watch.response.status).toBe(200)
    expect(await watch.done).toBe('ended')
    expect(watch.events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }),
      },
    ])
  })

  it('can refuse a too-old resourceVersion with HTTP 410 instead', async () => {
    await emulator.close()
    emulator = await startKubernetesEmulator({ expired: 'status', historyLimit: 1 })
    const old = emulator.resourceVersion()
    emulator.apply(web('web-a', ['10.0.0.1']))
    emulator.apply(web('web-b', ['10.0.0.2']))
    const response = await fetch(`${emulator.url}${base}?watch=true&resourceVersion=${old}`)
    expect(response.status).toBe(410)
    expect(await response.json()).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' })
  })

  it('ends watches cleanly on timeoutSeconds and on endWatches()', async () => {
    const timed = await openWatch(`${selector}&timeoutSeconds=1`)
    const other = await openWatch(selector)
    expect(await timed.done).toBe('ended')
    emulator.endWatches()
    expect(await other.done).toBe('ended')
  })

  it('drops watches abruptly, mid-stream', async () => {
    const watch = await openWatch(selector)
    await until(() => emulator.openWatches().length === 1)
    emulator.dropWatches()
    expect(await watch.done).toBe('dropped')
    expect(emulator.openWatches()).toEqual([])
  })

  it('logs requests and can fail the next watches', async () => {
    emulator.failNext('watch', 500, 2)
    for (const expected of [500, 500]) {
      const response = await fetch(`${emulator.url}${base}?watch=true&${selector}`)
      expect(response.status).toBe(expected)
      await response.body?.cancel()
    }
    expect(emulator.requests.map((request) => request.kind)).toEqual(['watch', 'watch'])
    expect(emulator.requests[0]?.labelSelector).toBe('kubernetes.io/service-name=web')
  })
})
