// Opt-in shared cache (FRESHET_EXAMPLE_REDIS_URL): every pod reads and writes ISR pages and
// tagged fetches in one Redis, through @fortedigital/nextjs-cache-handler's Redis handler
// alone. No local LRU layer: a pod-local copy would stay stale when another pod revalidates.
import { CacheHandler } from '@fortedigital/nextjs-cache-handler'
import createRedisHandler from '@fortedigital/nextjs-cache-handler/redis-strings'
import { createClient } from 'redis'

const url = process.env.FRESHET_EXAMPLE_REDIS_URL
const keyPrefix = process.env.FRESHET_EXAMPLE_REDIS_PREFIX ?? 'next-site:'

// One connection per process, however many CacheHandler instances Next creates.
function configured() {
  globalThis.__nextSiteCacheConfig ??= (async () => {
    const client = createClient({ url })
    client.on('error', (error) => console.error('[next-site] [redis]', error.message))
    await client.connect()
    return { handlers: [createRedisHandler({ client, keyPrefix })] }
  })()
  return globalThis.__nextSiteCacheConfig
}

CacheHandler.onCreation(configured)

// For app/api/revalidate/route.ts: Next runs the handler's revalidateTag only after the
// response, so the route expires tags here too, before it answers (README "shared cache").
globalThis.__nextSiteSharedCache = {
  async revalidateTags(tags) {
    const { handlers } = await configured()
    for (const handler of handlers) for (const tag of tags) await handler.revalidateTag(tag)
  },
}

export default CacheHandler
