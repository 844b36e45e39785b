import { randomUUID } from 'node:crypto'
import type { ServerType } from '@hono/node-server'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { launchChromium, listen, openPage as openTab, shot, signIn } from './browser.ts'
import { ADMIN, DISTRIBUTION, type Harness, startHarness } from './harness.ts'

/** What the page recorded of the live CDN retry rows it drew (see `recordCdnRetries`). */
interface Recorded {
  cdnRetries: { label: string; note: string; listed: string; detailed: string }[]
}
/** Data that would become markup if the page ever parsed it as HTML. */
const HOSTILE_PATH = '/<img src=x id=injected>'

// The machine these run on may be busy (2 shared cores): generous limits, never a timing assertion.
describe('the web page, in Chromium', { timeout: 120_000 }, () => {
  let h: Harness
  let server: ServerType
  let base: string
  let browser: Browser
  const problems: string[] = []

  beforeAll(async () => {
    // Pod retries slow enough to watch: 3 attempts, about a second apart.
    h = await startHarness({
      pods: 3,
      completeAfterMs: 300,
      podRetry: { attempts: 3, initialDelayMs: 800, maxDelayMs: 1200, timeoutMs: 2000 },
    })
    ;({ server, url: base } = await listen(h.service.app.fetch))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    server?.close()
    await h?.close()
  })

  /** A fresh tab (own sessionStorage) that records script errors and CSP violations. */
  const openPage = (url = base, width = 1280): Promise<Page> =>
    openTab(browser, url, problems, width)

  async function sendWebhook(body: unknown) {
    const response = await h.webhook(body)
    const answer = (await response.json()) as { id: string }
    expect(response.status, JSON.stringify(answer)).toBe(202)
    return answer.id
  }

  const detailStatus = (page: Page) => page.locator('#detail-title .badge')

  /**
   * Records each CDN retry row the page ever draws, with the list's and the detail's status at
   * that moment: freshet's first waits between tries are too short to count on a poll seeing
   * every row.
   */
  async function recordCdnRetries(page: Page) {
    await page.evaluate(() => {
      const seen: Recorded['cdnRetries'] = []
      const keys = new Set<string>()
      const text = (selector: string, root: ParentNode = document) =>
        root.querySelector(selector)?.textContent ?? ''
      const look = () => {
        for (const row of document.querySelectorAll('#detail .wf-row-retry')) {
          const entry = {
            label: text('.wf-label', row),
            note: text('.wf-note', row),
            listed: text('#events tr.selected .badge'),
            detailed: text('#detail-title .badge'),
          }
          const key = JSON.stringify(entry)
          if (!entry.label.includes(' · chunk ') || keys.has(key)) continue
          keys.add(key)
          seen.push(entry)
        }
      }
      new MutationObserver(look).observe(document.body, { childList: true, subtree: true })
      ;(window as unknown as Recorded).cdnRetries = seen
    })
  }

  it('says so when the token is wrong, and asks again', async () => {
    const page = await openPage()
    await signIn(page, 'not-the-admin-token')
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('token was refused')
    expect(await page.getByLabel('Admin token').isVisible()).toBe(true)
    expect(await page.locator('#main').isVisible()).toBe(false)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await page.screenshot({ path: shot('token') })
    await page.context().close()
  })

  it('follows a webhook to Completed, with its plan, every pod and the invalidation', async () => {
    const page = await openPage()
    await signIn(page)
    await page.getByText('Recent events').or(page.getByText('No events yet')).waitFor()
    const id = await sendWebhook({
      paths: ['/articles/hello', '/', HOSTILE_PATH],
      tags: ['article:1'],
    })

    // Auto-refresh brings the new event into the list.
    await page.getByRole('button', { name: `Open event ${id}` }).click({ timeout: 10_000 })
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 40_000 }).toBe('completed')

    const plan = page.getByRole('table', { name: /^Paths/ })
    expect(await plan.textContent()).toContain('/articles/hello')
    expect(await plan.textContent()).toContain('explicit')
    const pods = page.getByRole('table', { name: 'Pods (3)' }).locator('tbody tr:not(.row-note)')
    expect(await pods.count()).toBe(3)
    for (const row of await pods.all()) expect(await row.textContent()).toContain('confirmed')
    const created = h.cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? []
    const mine = created.find((i) => i.items.includes('/articles/hello'))
    const invalidations = page.getByRole('table', { name: /^Invalidations/ })
    expect(await invalidations.textContent()).toContain(mine?.id)
    expect(await invalidations.textContent()).toContain('Completed')

    // Shown as text, never parsed as markup.
    expect(await page.locator('#detail').textContent()).toContain(HOSTILE_PATH)
    expect(await page.locator('#injected').count()).toBe(0)

    await page.screenshot({ path: shot('freshet-page'), fullPage: true })

    // The token lives in the tab's sessionStorage; the open event lives in the URL.
    await page.reload()
    await expect.poll(() => detailStatus(page).textContent()).toBe('completed')
    expect(page.url()).toContain(id)
    await page.context().close()
  })

  it('shows why an event failed, and its Retry button takes it to Completed', async () => {
    const bad = h.pods[2]
    bad?.fail()
    const page = await openPage()
    await signIn(page)
    const id = await sendWebhook({ paths: ['/only-when-every-pod-confirms'] })
    await page.goto(`${base}#event=${id}`)
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 30_000 }).toBe('failed')
    const failure = (await page.locator('#detail [role=alert]').textContent()) ?? ''
    expect(failure).toContain(bad?.id)
    // Said once: freshet's prefix and the pod's error are not repeated.
    expect(failure.split('[freshet] [pods]').length - 1).toBe(1)
    // The failed stage has its end and its duration, in milliseconds.
    const podsStep = page.locator('.step', { hasText: 'Pods revalidated' })
    expect(await podsStep.locator('.times').first().textContent()).toMatch(
      /failed \d\d:\d\d:\d\d\.\d{3} \(\d+(\.\d{3})? m?s\)/,
    )
    // Each attempt of the failing pod is its own bar, with its error.
    const attempts = page.locator('.wf-row-pod', { hasText: `pod ${bad?.id}` })
    expect(await attempts.count()).toBeGreaterThanOrEqual(3)
    expect(await attempts.first().textContent()).toContain('(failed)')
    await page.screenshot({ path: shot('failed'), fullPage: true })

    bad?.heal()
    await page.getByRole('button', { name: 'Retry this event' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Retrying event')
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 40_000 }).toBe('completed')
    await page.context().close()
  })

  it('purges by hand from the form and opens the new event', async () => {
    const page = await openPage()
    await signIn(page)
    await page.getByLabel('Paths, one per line').fill('/by-hand\n/by-hand/too')
    await page.getByLabel('Tags, one per line').fill('manual:1')
    await page.getByRole('button', { name: 'Purge every pod, then the CDN' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Purge accepted')
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 40_000 }).toBe('completed')
    const created = h.cloudfront.distributions.get(DISTRIBUTION)?.invalidations ?? []
    expect(created.some((i) => i.items.includes('/by-hand/too'))).toBe(true)
    await page.context().close()
  })

  it('filters by status and loads more with the cursor', async () => {
    const ids = await Promise.all([1, 2, 3].map((n) => sendWebhook({ paths: [`/page/${n}`] })))
    await Promise.all(ids.map((id) => h.settle(id)))
    const page = await openPage(`${base}?limit=2`)
    await signIn(page)
    const rows = page.locator('#events tbody tr')
    await page.getByLabel('Status').selectOption('completed')
    await expect
      .poll(() => page.locator('caption').first().textContent())
      .toBe('Recent events (2 shown)')
    await page.getByRole('button', { name: 'Load more' }).click()
    await expect.poll(() => rows.count()).toBe(4)
    const texts = await rows.allTextContents()
    expect(texts.every((text) => text.includes('completed'))).toBe(true)
    expect(new Set(texts).size).toBe(4)

    await page.getByLabel('Status').selectOption('failed')
    await expect.poll(() => page.locator('#events').textContent()).toContain('No failed events.')
    await page.context().close()
  })

  it('lists an event opened before the list has read it, with the status the detail shows', async () => {
    const page = await openPage()
    // No live updates from the start: the list reads once, at sign-in, and not again by itself.
    await page.evaluate(() => {
      ;(document.getElementById('auto-refresh') as HTMLInputElement).checked = false
    })
    await signIn(page)
    await expect
      .poll(() => page.locator('#events').textContent())
      .toMatch(/Recent events|No events/)
    const id = await sendWebhook({ paths: ['/opened/before/listed'] })
    await h.settle(id)
    await page.evaluate((event) => {
      location.hash = `event=${encodeURIComponent(event)}`
    }, id)
    await expect.poll(() => detailStatus(page).textContent()).toBe('completed')
    const selected = page.locator('#events tr.selected')
    expect(await selected.textContent()).toContain(id.slice(0, 8))
    expect(await selected.locator('.badge').textContent()).toBe('completed')
    await page.context().close()
  })

  it('draws the event as a waterfall in milliseconds, and marks tags CloudFront was not sent', async () => {
    const page = await openPage()
    await signIn(page)
    const id = await sendWebhook({ paths: ['/waterfall'], tags: ['no-cache-tags'] })
    await page.goto(`${base}#event=${id}`)
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 40_000 }).toBe('completed')
    const labels = await page.locator('.wf-row .wf-label').allTextContents()
    expect(labels[0]).toContain('waiting to be batched')
    for (const stage of ['planning', 'pods', 'cdn', 'tracking'])
      expect(labels.some((l) => l.startsWith(stage))).toBe(true)
    expect(labels.filter((l) => l.startsWith('pod ')).length).toBe(3)
    expect(labels.some((l) => l.startsWith(`${DISTRIBUTION} · chunk 0`))).toBe(true)
    for (const text of await page.locator('.wf-time').allTextContents())
      expect(text).toMatch(/^\+\d+(\.\d{3})? m?s, \d+(\.\d{3})? m?s$/)
    // Each stage in two parts: in the queue, then at a worker.
    for (const stage of ['planning', 'pods', 'cdn', 'tracking']) {
      const bar = page.locator('.wf-row-stage', { hasText: stage })
      expect(await bar.locator('.wf-queued').count(), stage).toBe(1)
      expect(await bar.locator('.wf-working').count(), stage).toBe(1)
      expect(await bar.locator('.wf-note').textContent(), stage).toMatch(
        /^queued \d+(\.\d{3})? m?s, working \d+(\.\d{3})? m?s$/,
      )
    }
    // The harness's distribution names no cache-tag header: the tag is marked, not silently dropped.
    const tags = page.getByRole('table', { name: /^Tags/ })
    expect(await tags.textContent()).toContain(
      `Not sent to ${DISTRIBUTION}: no cache tags configured`,
    )
    // List and detail agree.
    expect(await page.locator('#events tr.selected .badge').textContent()).toBe('completed')
    await page.screenshot({ path: shot('waterfall'), fullPage: true })
    await page.context().close()
  })

  it('shows a pod being retried while it happens, live, then the event completing', async () => {
    const bad = h.pods[1]
    bad?.fail()
    // Healed even when an assertion fails, so the tests after this one meet no dead pod.
    onTestFinished(() => bad?.heal())
    const page = await openPage()
    await signIn(page)
    await expect.poll(() => page.locator('#live-state').textContent()).toBe('live')
    const id = await sendWebhook({ paths: ['/live-retry'] })
    await page.goto(`${base}#event=${id}`)
    const retrying = page.locator('.wf-row-retry', { hasText: `pod ${bad?.id}` })
    await expect.poll(() => retrying.count(), { timeout: 40_000 }).toBe(1)
    const text = (await retrying.textContent()) ?? ''
    expect(text).toMatch(/attempt [12] of 3 failed: .+ · next try \d\d:\d\d:\d\d\.\d{3}/)
    // Its failed attempts so far are bars of their own, with the error, before the store has them.
    const first = page.locator('.wf-row-pod', { hasText: `pod ${bad?.id} · attempt 1` })
    await expect.poll(() => first.count()).toBe(1)
    expect(await first.textContent()).toMatch(/\(failed\).*injected failure/)
    // Meanwhile the list shows what the detail shows.
    for (let i = 0; i < 5; i++) {
      const [listed, detailed] = await page.evaluate(() => [
        document.querySelector('#events tr.selected .badge')?.textContent,
        document.querySelector('#detail-title .badge')?.textContent,
      ])
      expect(listed).toBe(detailed)
    }
    await page.screenshot({ path: shot('retrying'), fullPage: true })
    bad?.heal()
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 30_000 }).toBe('completed')
    expect(await retrying.count()).toBe(0)
    await page.context().close()
  })

  it('draws each attempt to create a CDN invalidation, with its error', async () => {
    // The SDK retries the Throttling inside one create: two HTTP attempts, two bars.
    h.cloudfront.faults.failNext(1, 'Throttling')
    const id = await sendWebhook({ paths: ['/cdn-throttled'] })
    await h.settle(id, 40_000)
    const page = await openPage(`${base}#event=${id}`)
    await signIn(page)
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 30_000 }).toBe('completed')
    const attempts = page.locator('.wf-row-cdn', { hasText: `${DISTRIBUTION} · chunk 0 · attempt` })
    await expect.poll(() => attempts.count()).toBe(2)
    const first = (await attempts.nth(0).textContent()) ?? ''
    expect(first).toContain('attempt 1 (failed)')
    expect(first).toContain('Throttling')
    expect(await attempts.nth(1).textContent()).toContain('attempt 2 (accepted)')
    await page.screenshot({ path: shot('cdn-attempts'), fullPage: true })
    await page.context().close()
  })

  it('shows a CDN chunk being retried while it happens, live, then the event completing', async () => {
    const page = await openPage()
    await signIn(page)
    await expect.poll(() => page.locator('#live-state').textContent()).toBe('live')
    await recordCdnRetries(page)
    // Every CloudFront call throttled until healed: the SDK's own attempts fail, then freshet's
    // tries of the whole create, so the row stays up while the test looks at it.
    h.cloudfront.faults.throttle({ fraction: 1 })
    // Healed even when an assertion fails, so the tests after this one meet no throttling.
    onTestFinished(() => h.cloudfront.faults.throttle({ fraction: 0 }))
    const id = await sendWebhook({ paths: ['/cdn-live-retry'] })
    // The hash alone changes: the same document, so the recorder keeps recording.
    await page.evaluate((event) => {
      location.hash = `event=${encodeURIComponent(event)}`
    }, id)
    const retrying = page.locator('.wf-row-retry', { hasText: `${DISTRIBUTION} · chunk 0` })
    await expect
      .poll(async () => (await retrying.allTextContents()).join(), { timeout: 40_000 })
      .toContain('attempt 2 of 7')
    // Meanwhile each failed HTTP attempt so far is its own bar, before the store has any.
    const failedSoFar = page.locator('.wf-row-cdn', {
      hasText: `${DISTRIBUTION} · chunk 0 · attempt`,
    })
    await expect.poll(() => failedSoFar.count()).toBeGreaterThanOrEqual(2)
    for (const text of await failedSoFar.allTextContents()) {
      expect(text).toContain('(failed)')
      expect(text).toMatch(/Throttling|same error/)
    }
    await page.screenshot({ path: shot('cdn-retrying'), fullPage: true })
    h.cloudfront.faults.throttle({ fraction: 0 })
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 40_000 }).toBe('completed')
    expect(await retrying.count()).toBe(0)

    const seen = await page.evaluate(() => (window as unknown as Recorded).cdnRetries)
    expect(seen.length).toBeGreaterThan(0)
    for (const row of seen) {
      expect(row.label).toBe(`${DISTRIBUTION} · chunk 0 · retrying (retrying)`)
      expect(row.note).toMatch(
        /^attempt [1-6] of 7 failed: Throttling: .+ · next try \d\d:\d\d:\d\d\.\d{3}$/,
      )
      // Drawn only while the CDN stage had no invalidation for the chunk (it ends once there is
      // one), and the list said what the detail said.
      expect(row.detailed).toBe('cdn')
      expect(row.listed).toBe(row.detailed)
    }
    // Each of freshet's retries replaced the row as it happened: attempt 1, then 2 (and on).
    const attempts = [...new Set(seen.map((row) => Number(/^attempt (\d+)/.exec(row.note)?.[1])))]
    expect(attempts.slice(0, 2)).toEqual([1, 2])
    expect(attempts).toEqual([...attempts].sort((a, b) => a - b))
    // The create that went through is its last attempt, after the failed ones.
    const tries = page.locator('.wf-row-cdn', { hasText: `${DISTRIBUTION} · chunk 0 · attempt` })
    expect(await tries.count()).toBeGreaterThanOrEqual(7)
    expect(await tries.last().textContent()).toContain('(accepted)')
    await page.context().close()
  })

  it('answers "what purged this URL?" by path and by tag, newest first, with the reason', async () => {
    const older = await sendWebhook({ paths: ['/searched'], tags: ['searched:1'] })
    await h.settle(older)
    const newer = await sendWebhook({ paths: ['/searched', '/other'] })
    await h.settle(newer)
    const page = await openPage()
    await signIn(page)
    await page.getByLabel('Path or tag').fill('/searched')
    await page.getByRole('button', { name: 'Find purges' }).click()
    const results = page.locator('#search-results')
    await expect.poll(() => results.textContent()).toContain('was purged 2 time(s)')
    const items = results.locator('.purges > li')
    expect(await items.nth(0).getByRole('button').getAttribute('aria-label')).toBe(
      `Open event ${newer}`,
    )
    expect(await items.nth(1).getByRole('button').getAttribute('aria-label')).toBe(
      `Open event ${older}`,
    )
    expect(await items.nth(0).textContent()).toContain('Why: explicit')
    expect(await items.nth(0).textContent()).toMatch(/pods: completed/)
    expect(await items.nth(0).textContent()).toContain(`${DISTRIBUTION}: completed`)
    await page.screenshot({ path: shot('search-path'), fullPage: true })

    await page.getByLabel('Search by').selectOption('tag')
    await page.getByLabel('Path or tag').fill('searched:1')
    await page.getByRole('button', { name: 'Find purges' }).click()
    await expect.poll(() => results.textContent()).toContain('was purged 1 time(s)')
    // Opening a result opens the event.
    await items.nth(0).getByRole('button').click()
    await expect.poll(() => page.locator('#detail-title').textContent()).toContain(older)
    await page.screenshot({ path: shot('search-tag'), fullPage: true })
    await page.context().close()
  })

  it('filters by source and time, and retries every failed event shown at once', async () => {
    const bad = h.pods[0]
    bad?.fail()
    const failed = await Promise.all([1, 2].map((n) => sendWebhook({ paths: [`/bulk/${n}`] })))
    await Promise.all(failed.map((id) => h.settle(id, 40_000)))
    bad?.heal()
    const page = await openPage()
    await signIn(page)
    await page.getByLabel('Source').fill('manual')
    await page.getByLabel('Source').press('Enter')
    await page.getByLabel('Source').blur()
    await expect
      .poll(async () =>
        (await page.locator('#events tbody tr').allTextContents()).every((t) =>
          t.includes('manual'),
        ),
      )
      .toBe(true)
    await page.getByLabel('Source').fill('')
    await page.getByLabel('Source').blur()
    await page.getByLabel('Received since').selectOption('15')
    await page.getByLabel('Status').selectOption('failed')
    await expect.poll(() => page.locator('#events tbody tr').count()).toBeGreaterThanOrEqual(2)
    await page.screenshot({ path: shot('filtered-failed'), fullPage: true })
    await page.getByRole('button', { name: 'Retry failed events shown' }).click()
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toMatch(/Retrying [2-9]\d* failed event/)
    for (const id of failed) expect((await h.settle(id, 40_000)).status).toBe('completed')
    await expect
      .poll(() => page.locator('#events').textContent(), { timeout: 10_000 })
      .toContain('No failed events.')
    await page.context().close()
  })

  it('shows why reconciliation made an event, beside its source', async () => {
    const reason = 'changed at 12:03:07, no webhook received'
    const { id } = await h.service.pipeline.accept({
      id: randomUUID(),
      source: 'reconcile:directus',
      receivedAt: new Date(),
      bodyDigest: 'sha256:page-test-reconcile',
      changes: [
        {
          kind: 'item',
          source: 'reconcile:directus',
          collection: 'articles',
          id: '9',
          action: 'update',
          provenance: { reason },
        },
      ],
    })
    const page = await openPage()
    await signIn(page)
    await page.getByRole('button', { name: `Open event ${id}` }).click({ timeout: 10_000 })
    await expect
      .poll(() => page.locator('#detail').textContent())
      .toContain('from reconcile:directus')
    expect(await page.locator('#detail .reason').textContent()).toBe(`Reason: ${reason}`)
    await page.context().close()
  })

  it('fits 420 px without sideways scrolling, and works from the keyboard', async () => {
    const id = await sendWebhook({
      paths: ['/narrow/a-rather-long-path-that-must-wrap-somewhere'],
      tags: ['t'],
    })
    await h.settle(id)
    const page = await openPage(base, 420)
    await page.getByLabel('Admin token').fill(ADMIN)
    await page.keyboard.press('Enter')
    const open = page.getByRole('button', { name: `Open event ${id}` })
    await open.waitFor()
    await open.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 40_000 }).toBe('completed')
    const widths = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ])
    expect(widths[0]).toBeLessThanOrEqual(widths[1] ?? 0)
    await page.screenshot({ path: shot('narrow-420'), fullPage: true })
    // The search form, by keyboard alone.
    await page.getByLabel('Path or tag').focus()
    await page.keyboard.type('/narrow/a-rather-long-path-that-must-wrap-somewhere')
    await page.keyboard.press('Enter')
    await expect
      .poll(() => page.locator('#search-results').textContent())
      .toContain('was purged 1 time(s)')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420)
    await page.screenshot({ path: shot('narrow-420-search'), fullPage: true })
    await page.context().close()
  })

  it('ran without script errors or blocked resources', () => {
    expect(problems).toEqual([])
  })
})
