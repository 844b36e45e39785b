import { createRevalidateRoute } from '@freshet/next/app'

interface SharedCache {
  revalidateTags(tags: string[]): Promise<void>
}

// Set by cache-handler.mjs when the pods share a Redis cache (FRESHET_EXAMPLE_REDIS_URL).
const sharedCache = () =>
  (globalThis as { __nextSiteSharedCache?: SharedCache }).__nextSiteSharedCache

// Tags expire here; paths are confirmed by pages/api/revalidate-paths.ts.
export const { GET, POST } = createRevalidateRoute({
  pagesRoute: '/api/revalidate-paths',
  sharedTags: async (tags) => sharedCache()?.revalidateTags(tags),
})
