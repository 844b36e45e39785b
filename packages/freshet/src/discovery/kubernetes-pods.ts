/**
 * EndpointSlices → pods, pure. The union of every slice of the Service: ready endpoints only
 * (`conditions.ready` absent means ready, as the API documents), the first address of each
 * endpoint (the others are fungible), deduplicated by address and by pod (one endpoint may sit
 * in two slices while the controller moves it; a dual-stack pod is in an IPv4 and an IPv6 slice).
 */
import type { V1EndpointSlice } from '@kubernetes/client-node'
import { hostPort, podUrl, uniquePods } from './pods.ts'
import type { Pod } from './types.ts'

export interface PortChoice {
  /** The pods' port number, used as is. */
  port?: number
  /** The name of the Service port, looked up in each slice's `ports`. */
  portName?: string
  scheme: 'http' | 'https'
}

export interface SlicePods {
  pods: Pod[]
  /** Slices that were skipped, and why (a port that cannot be chosen). */
  problems: string[]
}

export function podsFromSlices(slices: Iterable<V1EndpointSlice>, choice: PortChoice): SlicePods {
  const pods: Pod[] = []
  const problems: string[] = []
  // Sorted by name so the same slices always give the same pods, whatever order they came in.
  const sorted = [...slices].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))
  for (const slice of sorted) {
    const port = slicePort(slice, choice)
    if (typeof port === 'string') {
      if (slice.endpoints?.length) problems.push(`EndpointSlice ${name(slice)}: ${port}`)
      continue
    }
    for (const endpoint of slice.endpoints ?? []) {
      const address = endpoint.addresses[0]
      if (!address || endpoint.conditions?.ready === false) continue
      const id = endpoint.targetRef?.name ?? hostPort(address, port)
      pods.push({ id, url: podUrl(choice.scheme, address, port) })
    }
  }
  return { pods: uniquePods(pods), problems }
}

/** The port for this slice, or why there is none. */
function slicePort(slice: V1EndpointSlice, choice: PortChoice): number | string {
  if (choice.port !== undefined) return choice.port
  const ports = (slice.ports ?? []).filter((port) => port.port !== undefined)
  if (choice.portName !== undefined) {
    const named = ports.find((port) => (port.name ?? '') === choice.portName)
    return named?.port ?? `no port named "${choice.portName}"`
  }
  const only = ports.length === 1 ? ports[0] : ports.find((port) => port.name === 'http')
  return only?.port ?? 'several ports and none named "http": set port or portName'
}

const name = (slice: V1EndpointSlice) => slice.metadata?.name ?? ''
