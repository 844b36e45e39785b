import { accessSync, constants, mkdirSync } from 'node:fs'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { createDiscovery } from '../discovery/index.ts'
import { pendingMigrations } from '../store/migrations.ts'
import { openPostgres } from '../store/postgres.ts'
import { createPodClient } from '../targets/pods/client.ts'
import { CDN_KINDS, cdnChecks } from './doctor-cdn.ts'
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
  if (!CDN_KINDS.some((kind) => config.cdn?.[kind] !== undefined))
    list.push(
      missing(
        'cdn',
        'not configured: add a cache layer, e.g. cdn.cloudfront.distributionId: E2ABCDEF123456 (or cdn.varnish, cloudflare, fastly, akamai)',
      ),
    )
  return list
}

function storeCheck(config: Config): Check {
  return {
    name: 'store',
    async run() {
      if (!config.store.url) {
        // The embedded store belongs to the running service; opening it here too could corrupt it.
        try {
          mkdirSync(config.store.dir, { recursive: true })
          accessSync(config.store.dir, constants.W_OK)
        } catch (error) {
          throw new Error(
            `${(error as Error).message}: freshet keeps the embedded store there; set store.dir to a folder this user may write, or store.url / DATABASE_URL to PostgreSQL`,
          )
        }
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
          if (found.length === 0) throw new Error(noPodsFix(pods.discovery))
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

function noPodsFix(discovery: NonNullable<Config['pods']>['discovery']): string {
  if ('dns' in discovery && discovery.dns)
    return `discovery found no pods: ${discovery.dns.name} resolves to no address; check pods.discovery.dns.name (the headless Service of the web app) and that its pods are Ready`
  if ('kubernetes' in discovery && discovery.kubernetes)
    return `discovery found no pods: Service ${discovery.kubernetes.service} in namespace ${discovery.kubernetes.namespace} has no ready endpoints; check pods.discovery.kubernetes and that its pods are Ready`
  return 'discovery found no pods: list the pods in pods.discovery.static, e.g. ["http://10.0.0.7:3000"]'
}

function podFix(error: Error): string {
  const message = error.message
  const status = Number(/ answered (\d{3})\b/.exec(message)?.[1] ?? 0)
  if (status === 401) return `${message}; pods.token must be the pods' REVALIDATE_TOKEN`
  if (status === 404)
    return `${message}; install @freshet/next's route at app/api/revalidate (README: Your own site)`
  if (status >= 500) return `${message}; see the pod's log`
  if (status > 0 || / answered /.test(message))
    return `${message}; the pod must answer @freshet/next's GET /api/revalidate (README: Your own site)`
  return `${message}; is the pod running, and reachable from here at that address?`
}
