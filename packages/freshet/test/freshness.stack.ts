/**
 * The whole stack for the freshness tests and the bench: the example site as `next start` pods,
 * found through Kubernetes discovery (the EndpointSlice emulator), the content API, the
 * CloudFront emulator, a caching edge in front of the pods, and freshet via `createService`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signRequest } from '@contentful/node-apps-toolkit'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startContentApi } from '@freshet/emulators/content-api'
import { type ContentfulEntity, createContentfulEmulator } from '@freshet/emulators/contentful'
import { contentfulArticles } from '@freshet/emulators/contentful-articles'
import { startEdge } from '@freshet/emulators/edge'
import { endpointSlice, startKubernetesEmulator } from '@freshet/emulators/kubernetes'
import { buildSite, type Pod, startFleet } from '@freshet/emulators/next-fleet'
import { startVarnish } from '@freshet/emulators/varnish'
import { serve } from '@hono/node-server'
import { parseConfig } from '../src/config/load.ts'
import { createService } from '../src/service.ts'

export const TOKEN = 'freshness-pod-token'
const ADMIN = 'freshness-admin'
const HOOK = 'freshness-hook'
const DISTRIBUTION = 'E2FRESHNESS01'
const SPACE = 'freshness'
const CDA_TOKEN = 'freshness-cda'
const SIGNING_SECRET = 'qlfkupAwYA4ZkNnmBzmNypFqSRWOwhpGRFwQFn5iPNAGHSYdvwed1C77n0Eiaz19'
const admin = { authorization: `Bearer ${ADMIN}` }

/** A kubeconfig file for the emulator (`KUBECONFIG`), as an operator would have. */
function writeKubeConfig(dir: string, server: string): string {
  const file = join(dir, 'kubeconfig.json')
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'emulator', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'test', user: { token: 'test-token' } }],
    contexts: [
      { name: 'emulator', context: { cluster: 'emulator', user: 'test', namespace: 'site' } },
    ],
    'current-context': 'emulator',
  }
  writeFileSync(file, JSON.stringify(config))
  return file
}

/**
 * In front of each pod slot, what the site's proxy would add: a `Cache-Tag` header naming the
 * article a page shows (`articles,articles:<id>`), so the edge drops it on `#articles:<id>`.
 * The example site does not send the header itself yet. A slot follows its pod when replaced.
 */
async function taggingProxy(
  bySlug: (slug: string) => { id: number | string } | undefined,
  target: () => string,
) {
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request) => {
      const url = new URL(request.url)
      const headers = new Headers(request.headers)
      headers.delete('host')
      const answer = await fetch(new URL(`${url.pathname}${url.search}`, target()), {
        headers,
        redirect: 'manual',
      })
      const out = new Headers(answer.headers)
      for (const name of ['content-encoding', 'content-length', 'transfer-encoding'])
        out.delete(name)
      const slug = url.pathname.match(/^\/articles\/([^/]+)$/)?.[1]
      const article = slug ? bySlug(decodeURIComponent(slug)) : undefined
      if (article) out.set('cache-tag', `articles,articles:${article.id}`)
      return new Response(await answer.arrayBuffer(), { status: answer.status, headers: out })
    },
  })
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) }
}

/**
 * In front of one pod, for freshet only: forwards every request and counts the
 * `POST /api/revalidate` calls the pod received (what `pods.fanout` decides).
 */
async function revalidationCounter(target: string) {
  const counter = { posts: 0 }
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request) => {
      const url = new URL(request.url)
      if (request.method === 'POST' && url.pathname === '/api/revalidate') counter.posts++
      const headers = new Headers(request.headers)
      headers.delete('host')
      const body = request.method === 'GET' ? undefined : await request.arrayBuffer()
      const answer = await fetch(new URL(`${url.pathname}${url.search}`, target), {
        method: request.method,
        headers,
        body,
      })
      return new Response(await answer.arrayBuffer(), {
        status: answer.status,
        headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json' },
      })
    },
  })
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return { counter, port, close: () => new Promise((r) => server.close(r)) }
}

export async function startStack(options: {
  pods: number
  completeAfterMs?: number
  /** Put a real Varnish (deploy/varnish/freshet.vcl) between the pods and the edge. */
  varnish?: boolean
  /**
   * The pods read articles from a Contentful space (the Delivery API emulator, which can lag
   * behind a publish) and freshet takes Contentful webhooks, waiting at most `timeoutSeconds`.
   */
  contentful?: { timeoutSeconds: number }
  /** `pods.fanout` (default every). */
  fanout?: 'every' | 'one'
  /** Extra environment for every pod (e.g. the example site's shared cache). */
  podEnv?: Record<string, string>
  /** freshet reaches each pod through a counter of `POST /api/revalidate` (`stack.posts`). */
  countRevalidations?: boolean
}) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-freshness-'))
  const api = await startContentApi()
  const contentful = options.contentful
    ? createContentfulEmulator({ spaceId: SPACE, accessToken: CDA_TOKEN })
    : undefined
  const deliveryUrl = await contentful?.listen()
  const articles = deliveryUrl
    ? contentfulArticles({ deliveryUrl, spaceId: SPACE, accessToken: CDA_TOKEN })
    : undefined
  const articlesUrl = await articles?.listen()
  await buildSite({ contentApiUrl: api.url })
  const fleet = await startFleet({
    count: options.pods,
    contentApiUrl: articlesUrl ?? api.url,
    token: TOKEN,
    ...(options.podEnv ? { env: options.podEnv } : {}),
  })
  const k8s = await startKubernetesEmulator()
  const counters = new Map<string, Awaited<ReturnType<typeof revalidationCounter>>>()
  if (options.countRevalidations)
    for (const pod of fleet.pods) counters.set(pod.id, await revalidationCounter(pod.url))
  const publish = (pod: Pod) =>
    k8s.apply(
      endpointSlice({
        service: 'web',
        namespace: 'site',
        name: `web-${pod.id}`,
        endpoints: [{ ip: '127.0.0.1', ready: true, podName: pod.id }],
        ports: [{ name: 'http', port: counters.get(pod.id)?.port ?? pod.port }],
      }),
    )
  for (const pod of fleet.pods) publish(pod)
  const cloudfront = await startCloudFrontEmulator({
    distributions: [DISTRIBUTION],
    completeAfterMs: options.completeAfterMs ?? 100,
  })
  // Slot i serves through pod `slots[i]`, like a Service routing to whichever pods are ready.
  const slots = fleet.pods.map((pod) => pod)
  const bySlug = (slug: string) => {
    if (!contentful) return api.bySlug(slug)
    const entry = [...contentful.graph.entries.values()].find(
      (e) => e.fields.slug?.['en-US'] === slug,
    )
    return entry ? { id: entry.sys.id } : undefined
  }
  const proxies = await Promise.all(
    slots.map((_, i) => taggingProxy(bySlug, () => slots[i]?.url ?? '')),
  )
  const varnish = options.varnish
    ? await startVarnish({ backends: proxies.map((proxy) => proxy.url) })
    : undefined
  const edge = await startEdge({
    origins: varnish ? [varnish.url] : proxies.map((proxy) => proxy.url),
    invalidations: (listener) => cloudfront.onCompleted(listener),
    distributionId: DISTRIBUTION,
  })

  delete process.env.KUBERNETES_SERVICE_HOST
  process.env.KUBECONFIG = writeKubeConfig(dir, k8s.url)
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = cloudfront.url
  process.env.AWS_ACCESS_KEY_ID ??= 'test'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test'
  const config = parseConfig(
    {
      server: { port: 0, adminToken: ADMIN },
      store: { dir: join(dir, 'store') },
      sources: {
        generic: { token: HOOK },
        ...(options.contentful
          ? {
              contentful: {
                signingSecret: SIGNING_SECRET,
                spaceId: SPACE,
                accessToken: CDA_TOKEN,
              },
            }
          : {}),
      },
      ...(options.contentful
        ? {
            routes: [
              {
                collection: 'article',
                source: 'contentful',
                paths: ['/articles/{slug}', '/legacy/{slug}'],
                tags: ['articles:{id}'],
              },
            ],
          }
        : {}),
      pods: {
        token: TOKEN,
        discovery: { kubernetes: { namespace: 'site', service: 'web' } },
        retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 200, timeoutMs: 15_000 },
        stageAttempts: 2,
        ...(options.fanout ? { fanout: options.fanout } : {}),
      },
      cdn: {
        cloudfront: { distributionId: DISTRIBUTION, tags: true, pollInitialMs: 50, pollMaxMs: 200 },
        ...(varnish ? { varnish: { urls: [varnish.url] } } : {}),
      },
      planner: {
        coalesce: { windowMs: 10, maxWaitMs: 100 },
        ...(deliveryUrl && options.contentful
          ? {
              contentful: {
                host: deliveryUrl,
                readAfterPublish: {
                  timeoutSeconds: options.contentful.timeoutSeconds,
                  pollInitialMs: 100,
                  pollMaxMs: 500,
                },
              },
            }
          : {}),
      },
    },
    process.env,
    'freshness',
  )
  const service = await createService(config)

  async function event(id: string) {
    const response = await service.app.request(`/api/events/${id}`, { headers: admin })
    return (await response.json()) as { status: string; error?: string; pods?: unknown[] }
  }

  return {
    api,
    fleet,
    k8s,
    cloudfront,
    edge,
    varnish,
    service,
    slots,
    publish,
    /** `POST /api/revalidate` calls each pod received so far (with `countRevalidations`). */
    posts: () => new Map([...counters].map(([id, c]) => [id, c.counter.posts])),
    /** Takes pod `id` out of discovery, as Kubernetes does once the pod is not ready. */
    unpublish: (pod: Pod) => k8s.remove('site', `web-${pod.id}`),
    /** `POST /hooks/generic`; resolves to the event id. */
    async webhook(body: { paths?: string[]; tags?: string[] }): Promise<string> {
      const response = await service.app.request('/hooks/generic', {
        method: 'POST',
        headers: { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`)
      return ((await response.json()) as { id: string }).id
    },
    /** The Contentful space the pods read (with `contentful`). */
    contentful,
    /** `POST /hooks/contentful`, signed, for an entity as it was published; the event id. */
    async contentfulWebhook(entity: ContentfulEntity, action = 'publish'): Promise<string> {
      const body = JSON.stringify({
        ...entity,
        sys: { ...entity.sys, space: { sys: { type: 'Link', linkType: 'Space', id: SPACE } } },
      })
      const headers = {
        'content-type': 'application/vnd.contentful.management.v1+json',
        'x-contentful-topic': `ContentManagement.${entity.sys.type}.${action}`,
      }
      const path = '/hooks/contentful'
      const signature = signRequest(SIGNING_SECRET, { method: 'POST', path, headers, body })
      const response = await service.app.request(path, {
        method: 'POST',
        headers: { ...headers, ...signature },
        body,
      })
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`)
      return ((await response.json()) as { id: string }).id
    },
    event,
    /** Polls until the event is completed or failed. */
    async settle(id: string, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const state = await event(id)
        if (state.status === 'completed' || state.status === 'failed') return state
        if (Date.now() > until) throw new Error(`event ${id} still ${state.status}`)
        await new Promise((wake) => setTimeout(wake, 10))
      }
    },
    retry: (id: string) =>
      service.app.request(`/api/events/${id}/retry`, { method: 'POST', headers: admin }),
    async close() {
      await service.stop()
      await edge.close()
      await varnish?.close()
      await Promise.all(proxies.map((proxy) => proxy.close()))
      await Promise.all([...counters.values()].map((c) => c.close()))
      await cloudfront.close()
      await k8s.close()
      await fleet.stop()
      await articles?.close()
      await contentful?.close()
      await api.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type Stack = Awaited<ReturnType<typeof startStack>>

/** The `data-testid="title"` of one GET: what a reader sees. */
export async function titleAt(base: string, path: string): Promise<string | undefined> {
  const html = await (await fetch(new URL(path, base))).text()
  return html
    .match(/data-testid="title"[^>]*>([^<]*)</)?.[1]
    ?.replaceAll('&#x27;', "'")
    .replaceAll('&amp;', '&')
}
