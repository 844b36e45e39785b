/**
 * For scripts/image-test.sh: what the image's freshet talks to, on this machine's loopback: two
 * HTTP pods speaking the pod protocol and the CloudFront emulator. Writes their addresses as
 * freshet.yaml (argv[2]) and, once every pod confirmed and an invalidation completed, says so
 * on stdout. Stops on SIGTERM.
 */
import { writeFileSync } from 'node:fs'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startTestPod } from '@freshet/emulators/pods'
import { stringify } from 'yaml'

const [file, port] = process.argv.slice(2)
if (!file || !port) throw new Error('usage: image-test-stack.ts <freshet.yaml> <port>')
const cloudfront = await startCloudFrontEmulator({ distributions: ['E2IMAGETEST'] })
const pods = await Promise.all([1, 2].map(() => startTestPod({ token: 'image-test-pods' })))
writeFileSync(
  file,
  stringify({
    server: { port: Number(port), host: '127.0.0.1', adminToken: 'image-test-admin' },
    sources: { generic: { token: 'image-test-hook' } },
    pods: { token: 'image-test-pods', discovery: { static: pods.map((p) => p.url) } },
    cdn: { cloudfront: { distributionId: 'E2IMAGETEST', pollInitialMs: 100, pollMaxMs: 500 } },
  }),
)
console.log(`cloudfront ${cloudfront.url}`)
const report = setInterval(() => {
  const revalidated = pods.filter((p) => p.calls.some((c) => c.method === 'POST')).length
  console.log(`pods revalidated: ${revalidated}/${pods.length}`)
}, 1000)
process.once('SIGTERM', async () => {
  clearInterval(report)
  await Promise.all(pods.map((p) => p.close()))
  await cloudfront.close()
  process.exit(0)
})
