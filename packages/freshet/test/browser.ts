import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { type Browser, chromium, type Page } from 'playwright-core'
import { ADMIN } from './harness.ts'

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
/** Screenshots of each state, kept as test artifacts (the folder is ignored by git). */
export const ARTIFACTS = new URL('./artifacts/page/', import.meta.url).pathname
export const shot = (name: string) => `${ARTIFACTS}${name}.png`

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `[freshet] [page test] ${CHROMIUM} is missing: run scripts/ensure-chromium.sh (installs Debian's chromium)`,
    )
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/** An app on a loopback port, as a browser reaches it. */
export function listen(fetch: (request: Request) => Response | Promise<Response>) {
  return new Promise<{ server: ServerType; url: string }>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ server, url: `http://127.0.0.1:${info.port}/` }),
    )
  })
}

/** A fresh tab (own sessionStorage) that records script errors and the token in any URL. */
export async function openPage(
  browser: Browser,
  url: string,
  problems: string[],
  width = 1280,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } })
  const page = await context.newPage()
  page.on('request', (request) => {
    if (request.url().includes(ADMIN)) problems.push(`token in a URL: ${request.url()}`)
  })
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

export async function signIn(page: Page, token = ADMIN) {
  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Use token' }).click()
}
