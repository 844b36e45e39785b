/**
 * OpenTelemetry's SDK, started only when the standard environment asks for traces
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_TRACES_EXPORTER`).
 * Otherwise nothing of the SDK is loaded and `@opentelemetry/api` stays its no-op. Each thread
 * that makes spans starts its own (the pipeline thread too), before it loads `pg` or the AWS
 * SDK: their instrumentations patch them as they are required.
 */

type Env = Record<string, string | undefined>

let sdk: { shutdown(): Promise<void> } | undefined

/** Whether the environment asks for traces (and does not switch the SDK off). */
export function tracingAsked(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false
  const exporter = env.OTEL_TRACES_EXPORTER
  if (exporter !== undefined && exporter !== '') return exporter !== 'none'
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
}

/** Whether this thread's SDK is running: spans are recorded and exported. */
export const tracingOn = () => sdk !== undefined

/**
 * Starts the SDK when asked; a second call does nothing. Exporter and protocol
 * (`OTEL_EXPORTER_OTLP_PROTOCOL`: http/protobuf, http/json, grpc), sampler, service name and
 * resource come from the environment, read by the SDK itself.
 */
export async function startTracing(env: Env = process.env): Promise<boolean> {
  if (sdk || !tracingAsked(env)) return tracingOn()
  const [{ NodeSDK }, { UndiciInstrumentation }, { HttpInstrumentation }, pg, aws] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-aws-sdk'),
    ])
  const started = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'freshet',
    // Traces only: metrics are /metrics (Prometheus) unless OTEL_METRICS_EXPORTER asks; logs
    // are pino's. The SDK's defaults would export both to the OTLP endpoint.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    logRecordProcessors: [],
    instrumentations: [
      // Pod calls and CMS reads (fetch).
      new UndiciInstrumentation(),
      // The AWS SDK's own requests (node:http). Incoming requests are @hono/otel's (an ignore
      // hook would suppress tracing inside them, @hono/otel's span too).
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      // Only inside a span: pg-boss's polling would otherwise be a trace a second.
      new pg.PgInstrumentation({ requireParentSpan: true }),
      new aws.AwsInstrumentation(),
    ],
  })
  started.start()
  sdk = started
  return true
}

/** Exports what is buffered and stops the SDK (on a clean stop; SIGKILL loses the buffer). */
export async function stopTracing(): Promise<void> {
  const running = sdk
  sdk = undefined
  await running?.shutdown().catch(() => {})
}
