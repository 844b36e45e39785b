/**
 * `npm run demo`: the whole picture on one machine. The example Next.js site as 3 `next start`
 * pods behind a caching edge, a CloudFront emulator, a content API you can edit with curl, and
 * freshet in front of them all. Ctrl-C, or SIGINT or SIGTERM to its PID, stops everything.
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

const content = await startContentApi({ port: 4000 })
console.log(`content API     ${content.url}   (the CMS stand-in: PATCH /articles/1 to edit)`)
console.log('building the example site once (about a minute the first time)…')
await buildSite({ contentApiUrl: content.url })
const fleet = await startFleet({ count: 3, contentApiUrl: content.url, token: TOKENS.pods })
for (const pod of fleet.pods) console.log(`pod ${pod.id}        ${pod.url}`)
const cloudfront = await startCloudFrontEmulator({
  port: 4566,
  distributions: [DISTRIBUTION],
  completeAfterMs: 2000,
})
const edge = await startEdge({
  origins: fleet.pods.map((p) => p.url),
  port: 8080,
  invalidations: cloudfront.onCompleted,
})
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
const server = serve({ fetch: service.app.fetch, port: 8787 })
console.log(`freshet         http://127.0.0.1:8787   (web page at /, admin token "${TOKENS.admin}")

Try it:
  curl -s ${edge.url}/articles/hello-world | grep -o '<h1[^<]*</h1>'
  curl -s -X PATCH ${content.url}/articles/1 -H 'content-type: application/json' -d '{"title":"Hello, fresh world"}'
  curl -s -X POST http://127.0.0.1:8787/hooks/generic -H 'authorization: Bearer ${TOKENS.hook}' \\
       -H 'content-type: application/json' -d '{"paths":["/articles/hello-world"],"tags":["articles"]}'
  FRESHET_ADMIN_TOKEN=${TOKENS.admin} npx freshet status <id> --wait
  curl -s ${edge.url}/articles/hello-world | grep -o '<h1[^<]*</h1>'
`)

// npm's script runs `exec node …`, so a SIGINT or SIGTERM to the PID of `npm run demo` (which
// npm forwards) or of this process reaches here, not only a terminal's Ctrl-C to the group.
let stopping = false
const stop = async (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`${signal}: stopping freshet, the 3 pods, the edge, CloudFront and the content API…`)
  server.close()
  await service.stop()
  await Promise.all([fleet.stop(), edge.close(), cloudfront.close(), content.close()])
  console.log('demo stopped')
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))
