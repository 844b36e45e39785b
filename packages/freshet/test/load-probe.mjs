// Preloaded with --import: tells on stderr every OpenTelemetry SDK, exporter or
// instrumentation module the process loads (the tracing-off test expects none).
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context)
    if (/@opentelemetry\/(sdk-|exporter-|instrumentation|otlp-)/.test(resolved.url))
      process.stderr.write(`[load-probe] ${resolved.url}\n`)
    return resolved
  },
})
