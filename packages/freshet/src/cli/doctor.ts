import { accessSync, constants, mkdirSync } from 'node:fs'
import {
  CloudFrontClient,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { createDiscovery } from '../discovery/index.ts'
import { pendingMigrations } from '../store/migrations.ts'
import { openPostgres } from '../store/postgres.ts'
import { createPodClient } from '../targets/pods/client.ts'
import { type Check, contentfulChecks, directusChecks } from './doctor-cms.ts'

/**
 * `freshet doctor`: checks, with the configured credentials, what freshet will do, one line each
 * (✓ or ✗ with the fix). What is not configured is a ✗: freshet would do nothing there. The exit
 * code is 0 only when every check passes.
 */
export async function runDoctor(configFile: string | undefined): Promise<number> {
  const { config, file } = loadConfig(configFile)
  const results: boolean[] = []
  const say = (ok: boolean, name: string, text: string) => {
    results.push(ok)
    console.log(`${ok ? '✓' : '✗'} ${name}: ${text}`)
  }
  if (file) say(true, 'config', file)
  else
    say(false, 'config', 'no file: give --config FILE, set FRESHET_CONFIG, or write ./freshet.yaml')
  for (const check of checks(config)) {
    try {
      say(true, check.name, await check.run(AbortSignal.timeout(10_000)))
    } catch (error) {
      say(false, check.name, (error as Error).message)
    }
  }
  return results.every(Boolean) ? 0 : 1
}

function checks(config: Config): Check[] {
  return [
    ...configuredChecks(config),
    storeCheck(config),
    ...directusChecks(config),
    ...contentfulChecks(config),
    ...podChecks(config),
    ...cdnChecks(config),
  ]
}

const missing = (name: string, fix: string): Check => ({
  name,
  run: async () => {
    throw new Error(fix)
  },
})

// Nothing configured is not healthy: a webhook would find no source, a batch no pod, no CDN.
function configuredChecks(config: Config): Check[] {
  const list: Check[] = []
  if (Object.keys(config.sources).length === 0)
    list.push(
      missing(
        'sources',
        'none configured: add sources.directus, sources.contentful or sources.generic',
      ),
    )
  if (!config.server.adminToken)
    list.push(
      missing(
        'admin token',
        'server.adminToken is not set: the admin API, the page and the CLI get 401',
      ),
    )
  if (!config.pods)
    list.push(
      missing(
        'pods',
        'not configured: add pods.token and pods.discovery (static, dns or kubernetes)',
      ),
    )
  if (!config.cdn?.cloudfront)
    list.push(
      missing('cdn', 'not configured: add cdn.cloudfront.distributionId, e.g. E2ABCDEF123456'),
    )
  return list
}

function storeCheck(config: Config): Check {
  return {
    name: 'store',
    async run() {
      if (!config.store.url) {
        // The embedded store belongs to the running service; opening it here too could corrupt it.
        mkdirSync(config.store.dir, { recursive: true })
        accessSync(config.store.dir, constants.W_OK)
        return `embedded, ${config.store.dir} is writable`
      }
      const db = await openPostgres(config.store.url, config.store.schema, 1)
      try {
        const pending = await pendingMigrations(db)
        return pending === 0
          ? 'PostgreSQL reachable, migrated'
          : `PostgreSQL reachable, ${pending} migrations pending (serve applies them)`
      } finally {
        await db.close()
      }
    },
  }
}

function podChecks(config: Config): Check[] {
  const pods = config.pods
  if (!pods) return []
  return [
    {
      name: 'pods',
      async run(signal) {
        const discovery = createDiscovery(pods.discovery)
        const client = createPodClient({ token: pods.token, timeoutMs: pods.retry.timeoutMs })
        try {
          const found = await discovery.list(signal)
          if (found.length === 0) throw new Error('discovery found no pods')
          const answers = await Promise.all(
            found.map((pod) =>
              client.buildInfo(pod, signal).then(
                (b) => ({ ok: true, text: `${pod.id} (build ${b.buildId})` }),
                (error: Error) => ({ ok: false, text: `${pod.id}: ${podFix(error)}` }),
              ),
            ),
          )
          const failed = answers.filter((a) => !a.ok)
          if (failed.length > 0)
            throw new Error(
              `${failed.length} of ${found.length} pods fail GET /api/revalidate: ${failed.map((a) => a.text).join('; ')}`,
            )
          return `${found.length} pod(s) answer GET /api/revalidate: ${answers.map((a) => a.text).join(', ')}`
        } finally {
          await discovery.close?.()
          await client.close()
        }
      },
    },
  ]
}

function podFix(error: Error): string {
  if (/\b401\b/.test(error.message))
    return `${error.message}; pods.token must be the pods' REVALIDATE_TOKEN`
  if (/\b404\b/.test(error.message))
    return `${error.message}; install @freshet/next's route at app/api/revalidate (README: Your own site)`
  return error.message
}

const IAM_FIX =
  'allow cloudfront:CreateInvalidation, cloudfront:GetInvalidation and cloudfront:ListInvalidations on it'

function cdnChecks(config: Config): Check[] {
  const raw = config.cdn?.cloudfront
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  return list.map(({ distributionId }) => ({
    name: `cloudfront ${distributionId}`,
    async run(signal) {
      // CloudFront's API lives in us-east-1; AWS_ENDPOINT_URL_CLOUDFRONT is read by the SDK.
      const client = new CloudFrontClient({ region: process.env.AWS_REGION ?? 'us-east-1' })
      try {
        const listed = await client
          .send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 1 }), {
            abortSignal: signal,
          })
          .catch((error: Error) => {
            throw new Error(awsFix(error, distributionId, 'ListInvalidations'))
          })
        // An id that cannot exist: NoSuchInvalidation proves the call is allowed.
        await client
          .send(
            new GetInvalidationCommand({ DistributionId: distributionId, Id: 'IFRESHETDOCTOR0' }),
            {
              abortSignal: signal,
            },
          )
          .catch((error: Error) => {
            if (error.name !== 'NoSuchInvalidation')
              throw new Error(awsFix(error, distributionId, 'GetInvalidation'))
          })
        const count = listed.InvalidationList?.Quantity ?? 0
        return `exists; the credentials may ListInvalidations and GetInvalidation (${count} listed)`
      } finally {
        client.destroy()
      }
    },
  }))
}

function awsFix(error: Error, distributionId: string, operation: string): string {
  if (error.name === 'NoSuchDistribution')
    return `no distribution ${distributionId} (NoSuchDistribution): check cdn.cloudfront.distributionId and the AWS account`
  if (error.name === 'AccessDenied' || error.name === 'AccessDeniedException')
    return `the AWS credentials may not call cloudfront:${operation} (AccessDenied): ${IAM_FIX}`
  if (/credential/i.test(error.message))
    return `no AWS credentials (${error.message}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an IAM role that may ${IAM_FIX.replace('allow ', 'call ')}`
  return `${operation} failed: ${error.name}: ${error.message}`
}
