/**
 * A local Kubernetes API server for the discovery.k8s.io/v1 EndpointSlice list and watch
 * protocol, for tests and the demo. It speaks HTTP on 127.0.0.1; point a KubeConfig at `url`
 * (with `skipTLSVerify: true`, which `@kubernetes/client-node` requires for plain HTTP).
 *
 * - `GET /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices?labelSelector=…` lists, with
 *   `metadata.resourceVersion`;
 * - the same with `watch=true&resourceVersion=…` streams `{"type","object"}` lines; a
 *   resourceVersion older than the kept history gets 410 Gone (as an ERROR event, as the real
 *   server does, or as an HTTP 410 with `expired: 'status'`);
 * - helpers change slices, send bookmarks, end or drop watches and inject failures.
 */
import type { AddressInfo } from 'node:net'
import { createAdaptorServer, type HttpBindings } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { parseLabelSelector } from './kubernetes-selector.ts'
import { type EndpointSlice, withEndpointReady } from './kubernetes-slices.ts'
import { createSliceStore } from './kubernetes-store.ts'
import { expiredStatus, type OpenWatch, statusObject, watchStream } from './kubernetes-watch.ts'

export * from './kubernetes-slices.ts'

export interface KubernetesEmulatorOptions {
  /** How many changes watches can replay from; older resourceVersions get 410. */
  historyLimit?: number
  /** How a too-old resourceVersion is refused: a watch ERROR event (default) or HTTP 410. */
  expired?: 'event' | 'status'
}

export type RequestKind = 'list' | 'watch'

export interface LoggedRequest {
  kind: RequestKind
  namespace: string
  resourceVersion?: string
  labelSelector?: string
}

export interface KubernetesEmulator {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly requests: LoggedRequest[]
  apply(slice: EndpointSlice): EndpointSlice
  remove(namespace: string, name: string): void
  setEndpointReady(namespace: string, name: string, ip: string, ready: boolean): EndpointSlice
  resourceVersion(): string
  /** Forgets history: watches from an older resourceVersion now get 410 Gone. */
  compact(): void
  openWatches(): OpenWatch[]
  bookmark(): void
  endWatches(): void
  dropWatches(): void
  /** The next `count` requests of `kind` answer `status` (a Status object). */
  failNext(kind: RequestKind, status?: number, count?: number): void
  close(): Promise<void>
}

type Env = { Bindings: HttpBindings }

export async function startKubernetesEmulator(
  options: KubernetesEmulatorOptions = {},
): Promise<KubernetesEmulator> {
  const store = createSliceStore(options)
  const watches = new Set<OpenWatch>()
  const requests: LoggedRequest[] = []
  const failures: { kind: RequestKind; status: number }[] = []

  const app = new Hono<Env>()
  app.get('/apis/discovery.k8s.io/v1/namespaces/:namespace/endpointslices', (c) => {
    const query = c.req.query()
    const kind: RequestKind = query.watch === 'true' || query.watch === '1' ? 'watch' : 'list'
    const namespace = c.req.param('namespace')
    requests.push({ kind, namespace, ...pick(query, 'resourceVersion', 'labelSelector') })
    const failure = takeFailure(failures, kind)
    if (failure) return fail(c, failure, 'InternalError', 'injected failure')
    let matches: ReturnType<typeof parseLabelSelector>
    try {
      matches = parseLabelSelector(query.labelSelector)
    } catch (error) {
      return fail(c, 400, 'BadRequest', (error as Error).message)
    }
    const resourceVersion = query.resourceVersion
    if (resourceVersion && !/^\d+$/.test(resourceVersion)) {
      return fail(c, 400, 'BadRequest', `invalid resourceVersion "${resourceVersion}"`)
    }
    if (kind === 'list') {
      return c.json({
        kind: 'EndpointSliceList',
        apiVersion: 'discovery.k8s.io/v1',
        metadata: { resourceVersion: String(store.resourceVersion()) },
        items: store.list(namespace, matches),
      })
    }
    const tooOld = resourceVersion && store.since(Number(resourceVersion)) === 'expired'
    if (tooOld && options.expired === 'status') {
      return c.json(expiredStatus(resourceVersion), 410)
    }
    const stream = watchStream(
      store,
      {
        namespace,
        matches,
        resourceVersion,
        bookmarks: query.allowWatchBookmarks === 'true',
        timeoutSeconds: query.timeoutSeconds ? Number(query.timeoutSeconds) : undefined,
        socket: c.env?.incoming.socket,
      },
      (watch) => {
        watches.add(watch)
        return () => watches.delete(watch)
      },
    )
    return new Response(stream, {
      headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
    })
  })
  app.notFound((c) => fail(c, 404, 'NotFound', `the server could not find ${c.req.path}`))

  const server = createAdaptorServer({ fetch: app.fetch })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const existing = (namespace: string, name: string) => {
    const slice = store.get(namespace, name)
    if (!slice) throw new Error(`[emulators] [kubernetes] no EndpointSlice ${namespace}/${name}`)
    return slice
  }

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    apply: (slice) => store.apply(slice),
    remove: (namespace, name) => void store.remove(namespace, name),
    setEndpointReady: (namespace, name, ip, ready) =>
      store.apply(withEndpointReady(existing(namespace, name), ip, ready)),
    resourceVersion: () => String(store.resourceVersion()),
    compact: () => store.compact(),
    openWatches: () => [...watches],
    bookmark: () => {
      for (const watch of watches) watch.bookmark()
    },
    endWatches: () => {
      for (const watch of [...watches]) watch.end()
    },
    dropWatches: () => {
      for (const watch of [...watches]) watch.drop()
    },
    failNext(kind, status = 500, count = 1) {
      for (let i = 0; i < count; i++) failures.push({ kind, status })
    },
    async close() {
      for (const watch of [...watches]) watch.drop()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
    },
  }
}

function fail(c: Context<Env>, status: number, reason: string, message: string) {
  return c.json(statusObject(status, reason, message), status as ContentfulStatusCode)
}

function takeFailure(failures: { kind: RequestKind; status: number }[], kind: RequestKind) {
  const index = failures.findIndex((failure) => failure.kind === kind)
  if (index === -1) return undefined
  return failures.splice(index, 1)[0]?.status
}

function pick(query: Record<string, string>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(
    keys.flatMap((key) => (query[key] === undefined ? [] : [[key, query[key]]])),
  )
}
