import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import { parseConfig } from '../src/config/load.ts'
import type { ConfigInput } from '../src/config/schema.ts'
import { createService, type Service } from '../src/service.ts'

export const ADMIN = 'admin-token-for-tests'
export const HOOK = 'hook-token-for-tests'
export const POD_TOKEN = 'pod-token-for-tests'
export const DISTRIBUTION = 'E2TESTDIST0001'

export const adminHeaders = { authorization: `Bearer ${ADMIN}` }
export const hookHeaders = { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' }

/** A whole freshet (embedded store in a temp dir) with real HTTP pods and a CloudFront emulator. */
export async function startHarness(
  options: {
    pods?: number
    completeAfterMs?: number
    overrides?: Partial<ConfigInput>
    store?: ConfigInput['store']
    /** Each pod call's retries (the default retries fast: 2 attempts, 10–20 ms apart). */
    podRetry?: { attempts: number; initialDelayMs: number; maxDelayMs: number; timeoutMs: number }
    fanout?: 'every' | 'one'
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-'))
  const cloudfront = await startCloudFrontEmulator({
    distributions: [DISTRIBUTION],
    completeAfterMs: options.completeAfterMs ?? 0,
  })
  const pods: TestPod[] = await Promise.all(
    Array.from({ length: options.pods ?? 3 }, () => startTestPod({ token: POD_TOKEN })),
  )
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = cloudfront.url
  process.env.AWS_ACCESS_KEY_ID ??= 'test'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test'
  const config = parseConfig(
    {
      server: { port: 0, adminToken: ADMIN },
      store: options.store ?? { dir },
      sources: { generic: { token: HOOK } },
      pods: {
        token: POD_TOKEN,
        discovery: { static: pods.map((p) => p.url) },
        retry: options.podRetry ?? {
          attempts: 2,
          initialDelayMs: 10,
          maxDelayMs: 20,
          timeoutMs: 2000,
        },
        stageAttempts: 2,
        ...(options.fanout ? { fanout: options.fanout } : {}),
      },
      cdn: { cloudfront: { distributionId: DISTRIBUTION, pollInitialMs: 50, pollMaxMs: 200 } },
      planner: { coalesce: { windowMs: 20, maxWaitMs: 200 } },
      ...options.overrides,
    },
    process.env,
    'test',
  )
  const service: Service = await createService(config)
  return {
    config,
    service,
    pods,
    cloudfront,
    request: (path: string, init?: RequestInit) => service.app.request(path, init),
    async webhook(body: unknown) {
      return service.app.request('/hooks/generic', {
        method: 'POST',
        headers: hookHeaders,
        body: JSON.stringify(body),
      })
    },
    async event(id: string) {
      const response = await service.app.request(`/api/events/${id}`, { headers: adminHeaders })
      return (await response.json()) as Record<string, unknown> & { status: string; error?: string }
    },
    /** Polls until the event is completed or failed. */
    async settle(id: string, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const event = await this.event(id)
        if (event.status === 'completed' || event.status === 'failed') return event
        if (Date.now() > until)
          throw new Error(`event ${id} still ${event.status} after ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 25))
      }
    },
    async close() {
      await service.stop()
      await Promise.all(pods.map((p) => p.close()))
      await cloudfront.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type Harness = Awaited<ReturnType<typeof startHarness>>
