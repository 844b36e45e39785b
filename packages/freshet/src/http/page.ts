import { Hono } from 'hono'
import type { AppDeps } from './deps.ts'

/** The web page at `/`: follow events from webhook to Completed. Its data comes from /api. */
export function pageRoutes(_deps: AppDeps) {
  const page = new Hono()
  page.get('/', (c) => c.html(PAGE))
  return page
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>freshet</title></head>
<body><h1>freshet</h1><p>Events: <code>GET /api/events</code> with the admin token.</p></body></html>`
