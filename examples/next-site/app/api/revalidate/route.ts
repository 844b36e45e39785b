import { createRevalidateRoute } from '@freshet/next/app'

// Tags expire here; paths are confirmed by pages/api/revalidate-paths.ts.
export const { GET, POST } = createRevalidateRoute({ pagesRoute: '/api/revalidate-paths' })
