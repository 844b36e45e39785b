import { join } from 'node:path'
import type { NextConfig } from 'next'

// `@freshet/next` is used from its built `dist/` (npm run build -w @freshet/next).
const config: NextConfig = {
  reactStrictMode: true,
  // Read when `next start` begins, so one build runs with or without the shared cache.
  ...(process.env.FRESHET_EXAMPLE_REDIS_URL
    ? { cacheHandler: join(process.cwd(), 'cache-handler.mjs') }
    : {}),
}

export default config
