import { podId } from '../lib/content'

/** When and where this page was rendered: tests read these to tell fresh from stale. */
export function RenderStamp() {
  return (
    <footer>
      rendered <time data-testid="rendered-at">{new Date().toISOString()}</time> on pod{' '}
      <span data-testid="pod">{podId()}</span>
    </footer>
  )
}
