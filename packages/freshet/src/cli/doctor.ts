import { accessSync, constants, mkdirSync } from 'node:fs'
import { createDistributions } from '../cdn.ts'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { createDiscovery } from '../discovery/index.ts'
import { createLifecycle } from '../pipeline/lifecycle.ts'
import { pendingMigrations } from '../store/migrations.ts'
import { openPostgres } from '../store/postgres.ts'
import { createPodClient } from '../targets/pods/client.ts'

interface Check {
  name: string
  run(signal: AbortSignal): Promise<string>
}

/** Runs every check, prints one line each, and answers the exit code (0 when all pass). */
export async function runDoctor(configFile: string | undefined): Promise<number> {
  const { config, file } = loadConfig(configFile)
  console.log(`✓ config: ${file ?? 'no file, defaults'}`)
  let failed = 0
  for (const check of checks(config)) {
    try {
      console.log(`✓ ${check.name}: ${await check.run(AbortSignal.timeout(10_000))}`)
    } catch (error) {
      failed++
      console.log(`✗ ${check.name}: ${(error as Error).message}`)
    }
  }
  return failed === 0 ? 0 : 1
}

function checks(config: Config): Check[] {
  return [storeCheck(config), ...cmsChecks(config), ...podChecks(config), ...cdnChecks(config)]
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

function cmsChecks(config: Config): Check[] {
  const list: Check[] = []
  const { directus, contentful } = config.sources
  if (directus?.url) {
    list.push({
      name: 'directus',
      run: async (signal) => {
        const response = await fetch(new URL('/server/ping', directus.url), { signal })
        if (!response.ok) throw new Error(`${directus.url} answered ${response.status}`)
        return `${directus.url} answers`
      },
    })
  }
  if (contentful?.spaceId && contentful.accessToken) {
    list.push({
      name: 'contentful',
      run: async (signal) => {
        const url = `https://cdn.contentful.com/spaces/${contentful.spaceId}/environments/${contentful.environment}/content_types?limit=1`
        const response = await fetch(url, {
          signal,
          headers: { authorization: `Bearer ${contentful.accessToken}` },
        })
        if (!response.ok) throw new Error(`Delivery API answered ${response.status}`)
        return `space ${contentful.spaceId} (${contentful.environment}) readable`
      },
    })
  }
  return list
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
          const builds = await Promise.all(
            found.map((pod) =>
              client.buildInfo(pod, signal).then((b) => `${pod.id} (build ${b.buildId})`),
            ),
          )
          return `${found.length} pod(s): ${builds.join(', ')}`
        } finally {
          await discovery.close?.()
          await client.close()
        }
      },
    },
  ]
}

function cdnChecks(config: Config): Check[] {
  return createDistributions(config, createLifecycle()).distributions.map((distribution) => ({
    name: `cloudfront ${distribution.target.distributionId}`,
    async run(signal) {
      const load = await distribution.target.load?.(signal)
      return load
        ? `reachable; ${load.paths} paths and ${load.wildcards} wildcards in progress`
        : 'reachable'
    },
  }))
}
