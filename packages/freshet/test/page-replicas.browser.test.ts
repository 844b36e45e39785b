import type { ServerType } from '@hono/node-server'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropSchemas, postgresUrl, testPostgres, uniqueSchema } from '../src/store/test-stores.ts'
import { launchChromium, listen, openPage, shot, signIn } from './browser.ts'
import { type Harness, startHarness } from './harness.ts'

const reachable = (await testPostgres('the page across replicas')) !== undefined

// Behind a Service the page's connection lands on one replica of freshet while the batch runs on
// another: two replicas on one PostgreSQL, the page on A, A's pipeline stopped, the work on B.
describe.runIf(reachable)(
  'the page on one replica, the work on another, in Chromium',
  { timeout: 120_000 },
  () => {
    const schema = uniqueSchema()
    const started: Harness[] = []
    const problems: string[] = []
    let a: Harness
    let b: Harness
    let server: ServerType
    let base: string
    let browser: Browser

    beforeAll(async () => {
      const store = { url: postgresUrl, schema }
      // One retry, 12 s away: a page opened meanwhile can only learn of it from what A keeps.
      const podRetry = { attempts: 2, initialDelayMs: 12_000, maxDelayMs: 12_000, timeoutMs: 2000 }
      a = await startHarness({ store, pods: 1, podRetry })
      started.push(a)
      b = await startHarness({ store, pods: 2, podRetry })
      started.push(b)
      await a.service.pipeline.stop()
      ;({ server, url: base } = await listen(a.service.app.fetch))
      browser = await launchChromium()
    })
    afterAll(async () => {
      await browser?.close()
      server?.close()
      for (const h of started) await h.close()
      await dropSchemas(postgresUrl, schema)
    })

    it("shows the pod replica B is retrying, live, on A's page (one opened mid-retry too), then the event completing", async () => {
      const dead = b.pods[1]
      dead?.fail()
      const page = await openPage(browser, base, problems)
      await signIn(page)
      await expect.poll(() => page.locator('#live-state').textContent()).toBe('live')
      const response = await b.webhook({ paths: ['/page/across/replicas'] })
      expect(response.status).toBe(202)
      const { id } = (await response.json()) as { id: string }
      await page.goto(`${base}#event=${id}`)
      const retrying = page.locator('.wf-row-retry', { hasText: `pod ${dead?.id}` })
      await expect.poll(() => retrying.count(), { timeout: 40_000 }).toBe(1)
      expect(await retrying.textContent()).toMatch(/attempt 1 of 2 failed: .+ · next try /)
      const later = await openPage(browser, base, problems)
      await signIn(later)
      await later.goto(`${base}#event=${id}`)
      const shown = later.locator('.wf-row-retry', { hasText: `pod ${dead?.id}` })
      // Well before the next try, which would announce the retry again.
      await expect.poll(() => shown.count(), { timeout: 8000 }).toBe(1)
      expect(await shown.textContent()).toMatch(/attempt 1 of 2 failed: .+ · next try /)
      await later.screenshot({ path: shot('replicas-retrying'), fullPage: true })
      await later.context().close()
      dead?.heal()
      const status = page.locator('#detail-title .badge')
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('completed')
      expect(await retrying.count()).toBe(0)
      await page.context().close()
      expect(problems).toEqual([])
    })
  },
)
