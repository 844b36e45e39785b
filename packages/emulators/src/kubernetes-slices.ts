/**
 * EndpointSlice objects (discovery.k8s.io/v1) as the API server sends them, and a builder for
 * tests. Typed here, not imported from `@kubernetes/client-node`: the emulator speaks the wire
 * format and must not depend on the client it is testing.
 */

export interface ObjectMeta {
  name: string
  namespace: string
  labels?: Record<string, string>
  resourceVersion?: string
  uid?: string
  generation?: number
}

export interface Endpoint {
  addresses: string[]
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean }
  targetRef?: { kind: string; name: string; namespace: string; uid?: string }
  nodeName?: string
}

export interface EndpointPort {
  name?: string
  port?: number
  protocol?: string
}

export interface EndpointSlice {
  apiVersion: 'discovery.k8s.io/v1'
  kind: 'EndpointSlice'
  metadata: ObjectMeta
  addressType: 'IPv4' | 'IPv6' | 'FQDN'
  endpoints: Endpoint[]
  ports?: EndpointPort[]
}

export interface EndpointSpec {
  ip: string
  /** `undefined` leaves `conditions.ready` unset, which clients must treat as ready. */
  ready?: boolean
  /** Becomes `targetRef` (kind Pod). */
  podName?: string
}

export interface SliceSpec {
  service: string
  namespace?: string
  /** Defaults to `<service>-<random>`, as the EndpointSlice controller names them. */
  name?: string
  addressType?: EndpointSlice['addressType']
  ports?: EndpointPort[]
  endpoints: EndpointSpec[]
}

export const serviceNameLabel = 'kubernetes.io/service-name'

/** Builds an EndpointSlice as the EndpointSlice controller would for a Service. */
export function endpointSlice(spec: SliceSpec): EndpointSlice {
  const namespace = spec.namespace ?? 'default'
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: spec.name ?? `${spec.service}-${Math.random().toString(36).slice(2, 7)}`,
      namespace,
      labels: {
        [serviceNameLabel]: spec.service,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType: spec.addressType ?? (spec.endpoints[0]?.ip.includes(':') ? 'IPv6' : 'IPv4'),
    endpoints: spec.endpoints.map((endpoint) => toEndpoint(endpoint, namespace)),
    ports: spec.ports ?? [{ name: 'http', port: 3000, protocol: 'TCP' }],
  }
}

function toEndpoint(spec: EndpointSpec, namespace: string): Endpoint {
  const endpoint: Endpoint = { addresses: [spec.ip] }
  if (spec.ready !== undefined) {
    endpoint.conditions = { ready: spec.ready, serving: spec.ready, terminating: !spec.ready }
  }
  if (spec.podName) endpoint.targetRef = { kind: 'Pod', name: spec.podName, namespace }
  return endpoint
}

/** A copy with one endpoint's `ready` condition set (the address picks the endpoint). */
export function withEndpointReady(slice: EndpointSlice, ip: string, ready: boolean): EndpointSlice {
  const copy = structuredClone(slice)
  const endpoint = copy.endpoints.find((candidate) => candidate.addresses.includes(ip))
  if (!endpoint) throw new Error(`no endpoint ${ip} in EndpointSlice ${slice.metadata.name}`)
  endpoint.conditions = { ...endpoint.conditions, ready, serving: ready, terminating: !ready }
  return copy
}
