/**
 * List, then watch, the EndpointSlices of a Service through `@kubernetes/client-node`, keeping
 * the set current: watch from the list's resourceVersion; on 410 Gone (HTTP 410 or an ERROR
 * event) list again; after a failure or a dropped connection, reconnect from the last
 * resourceVersion with backoff; stop on abort, with nothing left open.
 *
 * The client's `ListWatch` does the first part but, at the time of writing (2.0.1), stops for
 * good after any other error and can open a new watch after `stop()` if stopped while listing
 * or backing off; this loop owns those decisions and uses the client's `Watch` and API.
 */
import {
  type ConfigurationOptions,
  DiscoveryV1Api,
  type KubeConfig,
  Observable,
  type RequestContext,
  type ResponseContext,
  type V1EndpointSlice,
  type V1EndpointSliceList,
  Watch,
} from '@kubernetes/client-node'
import { backoffMs, sleep } from './pods.ts'

export interface SliceQuery {
  namespace: string
  labelSelector: string
  /** Server-side lifetime of one watch request; the loop reconnects from where it was. */
  watchTimeoutSeconds: number
}

export interface SliceClient {
  list(signal?: AbortSignal): Promise<V1EndpointSliceList>
  /** Resolves when the server ends the watch, rejects on an error (status in `statusCode`). */
  watch(
    resourceVersion: string,
    onEvent: (type: string, object: V1EndpointSlice & { code?: number }) => void,
    signal: AbortSignal,
  ): Promise<void>
}

export function sliceClient(kubeConfig: KubeConfig, query: SliceQuery): SliceClient {
  const api = kubeConfig.makeApiClient(DiscoveryV1Api)
  const watcher = new Watch(kubeConfig)
  // The Watch reopens nothing itself: after 30 s without a byte (its fixed, private timeout) it
  // ends with a TimeoutError, and the loop below reconnects at once from the same version.
  const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(query.namespace)}/endpointslices`
  const { namespace, labelSelector } = query
  return {
    list: (signal) =>
      api.listNamespacedEndpointSlice({ namespace, labelSelector }, withSignal(signal)),
    watch: (resourceVersion, onEvent, signal) =>
      new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined
        const abort = () => controller?.abort()
        signal.addEventListener('abort', abort, { once: true })
        const params = {
          labelSelector,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: query.watchTimeoutSeconds,
        }
        const done = (error: unknown) => {
          signal.removeEventListener('abort', abort)
          if (error) reject(error)
          else resolve()
        }
        watcher.watch(path, params, onEvent, done).then((opened) => {
          controller = opened
          // Aborted while connecting: the Watch only hands its controller over once connected.
          if (signal.aborted) opened.abort()
        }, done)
      }),
  }
}

/** Per-call options that make the generated API client honour an AbortSignal. */
function withSignal(signal: AbortSignal | undefined): ConfigurationOptions | undefined {
  if (!signal) return undefined
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal)
          return new Observable(Promise.resolve(context))
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  }
}

export interface SliceLoopOptions {
  client: SliceClient
  onSlices(slices: V1EndpointSlice[]): void
  onError(error: unknown): void
  backoff: { initialMs: number; maxMs: number }
}

/** Runs until `signal` aborts; never rejects. */
export async function runSliceLoop(options: SliceLoopOptions, signal: AbortSignal): Promise<void> {
  const { client, onSlices, onError, backoff } = options
  const slices = new Map<string, V1EndpointSlice>()
  let resourceVersion = ''
  let failures = 0
  const pause = () => sleep(backoffMs(failures++, backoff.initialMs, backoff.maxMs), signal)

  while (!signal.aborted) {
    let listed = false
    try {
      if (!resourceVersion) {
        resourceVersion = await relist(client, slices, signal)
        listed = true
        onSlices([...slices.values()])
      }
      const seen = { events: 0, gone: false, error: undefined as string | undefined }
      await client.watch(
        resourceVersion,
        (type, object) => {
          resourceVersion = applyEvent(slices, type, object, seen) ?? resourceVersion
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            onSlices([...slices.values()])
          }
        },
        signal,
      )
      if (seen.gone) {
        resourceVersion = ''
        // Gone straight after a list: the server is confused; do not relist in a tight loop.
        if (listed && seen.events === 0) await pause()
        continue
      }
      if (seen.error) throw new Error(seen.error)
      if (seen.events > 0) failures = 0
      // The server ended a watch that carried nothing: reconnect, but never in a tight loop.
      else await pause()
    } catch (error) {
      if (signal.aborted) break
      if (statusOf(error) === 410) {
        resourceVersion = ''
        if (listed) await pause()
        continue
      }
      // An idle watch timed out client-side: reopen at once from the same resourceVersion.
      if ((error as Error).name === 'TimeoutError') continue
      onError(error)
      await pause()
    }
  }
}

async function relist(
  client: SliceClient,
  slices: Map<string, V1EndpointSlice>,
  signal: AbortSignal,
) {
  const list = await client.list(signal)
  slices.clear()
  for (const slice of list.items) slices.set(slice.metadata?.name ?? '', slice)
  return list.metadata?.resourceVersion ?? ''
}

/** Applies one watch event; returns the resourceVersion it carries. */
function applyEvent(
  slices: Map<string, V1EndpointSlice>,
  type: string,
  object: V1EndpointSlice & { code?: number; message?: string },
  seen: { events: number; gone: boolean; error: string | undefined },
): string | undefined {
  if (type === 'ERROR') {
    if (object.code === 410) seen.gone = true
    else seen.error = `watch ERROR event ${object.code ?? ''}: ${object.message ?? 'no message'}`
    return undefined
  }
  seen.events += 1
  const name = object.metadata?.name ?? ''
  if (type === 'ADDED' || type === 'MODIFIED') slices.set(name, object)
  if (type === 'DELETED') slices.delete(name)
  return object.metadata?.resourceVersion
}

/** The HTTP status of a failed list (`ApiException.code`) or watch (`statusCode`). */
export function statusOf(error: unknown): number | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown }
  if (typeof statusCode === 'number') return statusCode
  return typeof code === 'number' ? code : undefined
}
