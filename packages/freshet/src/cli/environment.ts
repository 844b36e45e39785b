/**
 * Every environment variable freshet reads, for `--help` and the README. A test checks that each
 * `process.env.X` in the sources is listed here: add yours when you read a new one.
 */
export const ENVIRONMENT: readonly (readonly [name: string, what: string])[] = [
  ['FRESHET_CONFIG', 'configuration file when --config is not given (else ./freshet.yaml)'],
  ['FRESHET_URL', 'the freshet server the commands talk to (--url; default http://127.0.0.1:8787)'],
  [
    'FRESHET_ADMIN_TOKEN',
    'admin token for the commands (--token); also server.adminToken in the example config',
  ],
  ['DATABASE_URL', 'postgres://… switches the store to PostgreSQL when store.url is not set'],
  ['PORT', 'the port to listen on when server.port is not set'],
  ['FRESHET_LOG_LEVEL', 'log level of serve: trace, debug, info (default), warn, error'],
  [
    'AWS_REGION',
    'and the rest of the AWS SDK credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, …)',
  ],
  ['AWS_ENDPOINT_URL_CLOUDFRONT', 'another CloudFront endpoint (read by the AWS SDK)'],
  [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'traces on: OTLP endpoint of serve (also OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); off when unset',
  ],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'see OTEL_EXPORTER_OTLP_ENDPOINT'],
  ['OTEL_TRACES_EXPORTER', 'otlp (default when an endpoint is set), console, or none'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf (default), http/json or grpc'],
  ['OTEL_SERVICE_NAME', "the traces' service name (default freshet)"],
  ['OTEL_TRACES_SAMPLER', "and the rest of OpenTelemetry's SDK variables (read by the SDK)"],
  ['OTEL_METRICS_EXPORTER', 'set: the SDK also exports OpenTelemetry metrics (default: none)'],
  ['OTEL_SDK_DISABLED', 'true: no tracing whatever else is set'],
  ['FRESHET_TRACE_URL', "a link for an event's trace on the page, {traceId} replaced"],
  ['KUBECONFIG', 'kubeconfig for Kubernetes discovery outside a cluster'],
  ['KUBERNETES_SERVICE_HOST', 'with KUBERNETES_SERVICE_PORT: in a pod, in-cluster configuration'],
  ['KUBERNETES_SERVICE_PORT', 'see KUBERNETES_SERVICE_HOST'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} syntax
  ['${NAME}', 'any variable the configuration file names, e.g. ${DIRECTUS_TOKEN}'],
]

/** Variables only the tests and their tools read; not part of the CLI's interface. */
export const TEST_ONLY_ENVIRONMENT = [
  'CI',
  'FRESHET_DEBUG_HANDLES',
  'FRESHET_TEST_DATABASE_URL',
  'FRESHET_TEST_RUN',
]

export function environmentHelp(): string {
  const width = Math.max(...ENVIRONMENT.map(([name]) => name.length))
  return `\nEnvironment:\n${ENVIRONMENT.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`).join('\n')}\n`
}

export const EXIT_CODES: readonly (readonly [code: number, what: string])[] = [
  [0, 'success; with --wait, the event completed; doctor: every check passed'],
  [1, 'with --wait, the event failed; doctor: a check failed; serve: could not start'],
  [2, 'invalid usage or configuration'],
  [3, 'freshet could not be reached, or refused the request (400, 401, 403, 404, 409, 5xx)'],
  [4, 'with --wait, --timeout passed before the event ended'],
]

export function exitCodesHelp(): string {
  return `\nExit codes:\n${EXIT_CODES.map(([code, what]) => `  ${code}  ${what}`).join('\n')}\n`
}
