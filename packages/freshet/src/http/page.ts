import { Hono } from 'hono'
import type { AppDeps } from './deps.ts'
import { HttpError } from './errors.ts'
import { clientModule } from './page/assets.ts'
import { PAGE_HTML } from './page/html.ts'
import { PAGE_CSS } from './page/style.ts'

/**
 * The page's own code only, no inline script or style, data only through `/api` (same
 * origin): whatever an event carries cannot run in the page even if it slipped past escaping.
 */
const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Small files; always revalidated so an upgrade never mixes old and new modules.
  'cache-control': 'no-cache',
}

/**
 * The web page at `/`: follow events from webhook to Completed. The HTML, script and style
 * carry no data, so they are served without the token; every data call (`/api/*`) needs it.
 */
export function pageRoutes(_deps: AppDeps) {
  const page = new Hono()
  page.get('/', (c) => c.html(PAGE_HTML, 200, SECURITY_HEADERS))
  // One route for every asset: a static path beside `:file` would keep Hono off its fastest
  // router (RegExpRouter), and every webhook pays the slower match.
  page.get('/ui/:file', async (c) => {
    const file = c.req.param('file')
    if (file === 'style.css') {
      return c.body(PAGE_CSS, 200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/css; charset=utf-8',
      })
    }
    const module = clientModule(file)
    if (!module) throw new HttpError(404, 'not_found', `no page asset ${file}`)
    return c.body(await module, 200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/javascript; charset=utf-8',
    })
  })
  return page
}
