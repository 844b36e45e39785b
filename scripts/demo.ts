/**
 * `npm run demo`: the whole picture on one machine. The example Next.js site as 3 `next start`
 * pods behind a caching edge, a CloudFront emulator, a content API you can edit with curl, and
 * freshet in front of them all. Ctrl-C, or SIGINT or SIGTERM to its PID, stops everything, at
 * any moment (during the build too), and exits 0.
 */
import { mkdirSync } from 'node:fs'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startContentApi } from '@freshet/emulators/content-api'
import { startEdge } from '@freshet/emulators/edge'
import { buildSite, startFleet } from '@freshet/emulators/next-fleet'
import { serve } from '@hono/node-server'
import { parseConfig } from '../packages/freshet/src/config/load.ts'
import { createLogger, logLifecycle } from '../packages/freshet/src/observability/logging.ts'
import { createLifecycle } from '../packages/freshet/src/pipeline/lifecycle.ts'
import { createService } from '../packages/freshet/src/service.ts'

const TOKENS = { admin: 'demo-admin', hook: 'demo-hook', pods: 'demo-pods' }
const DISTRIBUTION = 'E2DEMO0000001'

// The handlers come first: a SIGINT or SIGTERM during the build or the start-up stops what has
// started so far, newest first, and says what that was. npm's script runs `exec node …`, so a
// signal to the PID of `npm run demo` (which npm forwards) or of this process reaches here,
// not only a terminal's Ctrl-C to the group. Pods still starting, and a build under way, are
// killed on exit by next-fleet.
const started: { name: string; stop: () => Promise<unknown> }[] = []
const onStop = (name: string, stop: () => Promise<unknown>) => started.unshift({ name, stop })
let stopping = false
const stop = async (signal: string) => {
  if (stopping) return
  stopping = true
  const names = started.map((s) => s.name)
  console.log(
    `${signal}: stopping ${names.length > 0 ? names.join(', ') : 'nothing (nothing had started yet)'}…`,
  )
  for (const { stop } of started) await stop().catch(() => {})
  console.log('demo stopped')
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))

const content = await startContentApi({ port: 4000 })
onStop('the content API', () => content.close())
console.log(`content API     ${content.url}   (the CMS stand-in: PATCH /articles/1 to edit)`)
console.log('building the example site once (about a minute the first time)…')
await buildSite({ contentApiUrl: content.url })
const fleet = await startFleet({ count: 3, contentApiUrl: content.url, token: TOKENS.pods })
onStop('the 3 pods', () => fleet.stop())
for (const pod of fleet.pods) console.log(`pod ${pod.id}        ${pod.url}`)
const cloudfront = await startCloudFrontEmulator({
  port: 4566,
  distributions: [DISTRIBUTION],
  completeAfterMs: 2000,
})
onStop('CloudFront', () => cloudfront.close())
const edge = await startEdge({
  origins: fleet.pods.map((p) => p.url),
  port: 8080,
  invalidations: cloudfront.onCompleted,
})
onStop('the edge', () => edge.close())
console.log(`CloudFront API  ${cloudfront.url}   (emulator; invalidations complete after 2 s)`)
console.log(`CDN edge        ${edge.url}   (caches by Cache-Control, drops what is invalidated)`)

process.env.AWS_ENDPOINT_URL_CLOUDFRONT = cloudfront.url
process.env.AWS_ACCESS_KEY_ID ??= 'demo'
process.env.AWS_SECRET_ACCESS_KEY ??= 'demo'
mkdirSync('.freshet-demo', { recursive: true })
const config = parseConfig(
  {
    server: { port: 8787, adminToken: TOKENS.admin },
    store: { dir: '.freshet-demo' },
    sources: { generic: { token: TOKENS.hook } },
    pods: { token: TOKENS.pods, discovery: { static: fleet.pods.map((p) => p.url) } },
    cdn: { cloudfront: { distributionId: DISTRIBUTION } },
  },
  process.env,
  'demo',
)
const lifecycle = createLifecycle()
logLifecycle(lifecycle, createLogger(process.env.FRESHET_LOG_LEVEL ?? 'info'))
const service = await createService(config, { lifecycle })
onStop('freshet', () => service.stop())
const server = serve({ fetch: service.app.fetch, port: 8787 })
onStop("freshet's server", async () => server.close())
console.log(`freshet         http://127.0.0.1:8787   (web page at /, admin token "${TOKENS.admin}")

Try it:
  curl -s ${edge.url}/articles/hello-world | grep -o '<h1[^<]*</h1>'
  curl -s -X PATCH ${content.url}/articles/1 -H 'content-type: application/json' -d '{"title":"Hello, fresh world"}'
  curl -s -X POST http://127.0.0.1:8787/hooks/generic -H 'authorization: Bearer ${TOKENS.hook}' \\
       -H 'content-type: application/json' -d '{"paths":["/articles/hello-world"],"tags":["articles"]}'
  FRESHET_ADMIN_TOKEN=${TOKENS.admin} npx freshet status <id> --wait
  curl -s ${edge.url}/articles/hello-world | grep -o '<h1[^<]*</h1>'
`)
