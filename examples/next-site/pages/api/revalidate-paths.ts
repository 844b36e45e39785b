import { createRevalidateApiHandler } from '@freshet/next/pages'

// Paths are re-rendered here with res.revalidate; tags go to app/api/revalidate/route.ts.
export default createRevalidateApiHandler({ appRoute: '/api/revalidate' })

// Read the raw body, so a malformed one gets the protocol's 400 JSON error.
export const config = { api: { bodyParser: false } }
