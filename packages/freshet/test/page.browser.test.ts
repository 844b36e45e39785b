import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, DISTRIBUTION, type Harness, startHarness } from './harness.ts'

/** Debian's Chromium; never a browser download. `scripts/ensure-chromium.sh` installs it. */
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const SCREENSHOT = '/tmp/freshet-page.png'
/** Data that would become markup if the page ever parsed it as HTML. */
const HOSTILE_PATH = '/<img src=x id=injected>'

function listen(fetch: (request: Request) => Response | Promise<Response>) {
  return new Promise<{ server: ServerType; url: string }>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ server, url: `http://127.0.0.1:${info.port}/` }),
    )
  })
}

describe('the web page, in Chromium', () => {
  let h: Harness
  let server: ServerType
  let base: string
  let browser: Browser
  const problems: string[] = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `[freshet] [page test] ${CHROMIUM} is missing: run scripts/ensure-chromium.sh (installs Debian's chromium)`,
      )
    }
    h = await startHarness({ pods: 3, completeAfterMs: 300 })
    ;({ server, url: base } = await listen(h.service.app.fetch))
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  })
  afterAll(async () => {
    await browser?.close()
    server?.close()
    await h?.close()
  })

  /** A fresh tab (own sessionStorage) that records script errors and CSP violations. */
  async function openPage(url = base): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      // 401s are expected where a test sends a wrong token; everything else is a fault.
      if (message.type() === 'error' && !message.text().includes('401')) {
        problems.push(`console: ${message.text()}`)
      }
    })
    await page.goto(url)
    return page
  }

  async function signIn(page: Page, token = ADMIN) {
    await page.getByLabel('Admin token').fill(token)
    await page.getByRole('button', { name: 'Use token' }).click()
  }

  async function sendWebhook(body: unknown) {
    const response = await h.webhook(body)
    const answer = (await response.json()) as { id: string }
    expect(response.status, JSON.stringify(answer)).toBe(202)
    return answer.id
  }

  const detailStatus = (page: Page) => page.locator('#detail-title .badge')

  it('says so when the token is wrong, and asks again', async () => {
    const page = await openPage()
    await signIn(page, 'not-the-admin-token')
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('token was refused')
    expect(await page.getByLabel('Admin token').isVisible()).toBe(true)
    expect(await page.locator('#main').isVisible()).toBe(false)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-token.png') })
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
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 20_000 }).toBe('completed')

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

    await page.screenshot({ path: SCREENSHOT, fullPage: true })

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
    expect(await page.locator('#detail [role=alert]').textContent()).toContain(bad?.id)
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-failed.png'), fullPage: true })

    bad?.heal()
    await page.getByRole('button', { name: 'Retry this event' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Retrying event')
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 20_000 }).toBe('completed')
    await page.context().close()
  })

  it('purges by hand from the form and opens the new event', async () => {
    const page = await openPage()
    await signIn(page)
    await page.getByLabel('Paths, one per line').fill('/by-hand\n/by-hand/too')
    await page.getByLabel('Tags, one per line').fill('manual:1')
    await page.getByRole('button', { name: 'Purge every pod, then the CDN' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Purge accepted')
    await expect.poll(() => detailStatus(page).textContent(), { timeout: 20_000 }).toBe('completed')
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

  it('ran without script errors or blocked resources', () => {
    expect(problems).toEqual([])
  })
})
