// Preloaded (`--import`) into a bench server with tracing on: the SDK starts before the server
// loads pg and the AWS SDK, as `freshet serve` starts it.
import { startTracing } from '../../packages/freshet/src/observability/tracing.ts'

await startTracing()
