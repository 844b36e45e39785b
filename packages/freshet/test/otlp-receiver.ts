import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One span as an OTLP/JSON export carries it, flattened with its resource's attributes. */
export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  kind: number
  scope: string
  attributes: Record<string, string | number | boolean>
  resource: Record<string, string | number | boolean>
  links: { traceId: string; spanId: string }[]
  status: { code?: number }
}

interface AnyValue {
  stringValue?: string
  intValue?: string | number
  doubleValue?: number
  boolValue?: boolean
}
interface KeyValue {
  key: string
  value: AnyValue
}

const plain = (list: KeyValue[] = []) =>
  Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
        value.doubleValue ??
        value.boolValue ??
        '',
    ]),
  )

/**
 * An OTLP/HTTP trace receiver (`POST /v1/traces`, the JSON encoding: what a process exports
 * with OTEL_EXPORTER_OTLP_PROTOCOL=http/json), keeping every span it is sent.
 */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = []
  const requests: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`)
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end()
        return
      }
      const exported = JSON.parse(body) as {
        resourceSpans?: {
          resource?: { attributes?: KeyValue[] }
          scopeSpans?: {
            scope?: { name?: string }
            spans?: (Omit<ReceivedSpan, 'attributes' | 'resource' | 'scope'> & {
              attributes?: KeyValue[]
            })[]
          }[]
        }[]
      }
      for (const rs of exported.resourceSpans ?? []) {
        const resource = plain(rs.resource?.attributes)
        for (const ss of rs.scopeSpans ?? [])
          for (const span of ss.spans ?? [])
            spans.push({
              ...span,
              links: span.links ?? [],
              status: span.status ?? {},
              scope: ss.scope?.name ?? '',
              attributes: plain(span.attributes),
              resource,
            })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The environment in which `freshet serve` exports every span to `receiverUrl` (OTLP/HTTP JSON)
 * within 100 ms of its end, so what a process did before it is killed reaches the receiver.
 */
export const exportingTo = (receiverUrl: string, serviceName: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: serviceName,
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_BSP_SCHEDULE_DELAY: '100',
})

/** The span's ancestors among `spans`, nearest first (up to the first one not exported). */
export function ancestorsOf(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const found: ReceivedSpan[] = []
  let at = byId.get(span.parentSpanId)
  while (at && !found.includes(at)) {
    found.push(at)
    at = byId.get(at.parentSpanId)
  }
  return found
}
