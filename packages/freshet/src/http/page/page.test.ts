import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { AppDeps } from '../deps.ts'
import { pageRoutes } from '../page.ts'
import { clientModule } from './assets.ts'

// The routes ignore their dependencies: the page carries no data.
const page = pageRoutes({} as AppDeps)

/** Follows the page's module graph from `ui/app.js`, as a browser would. */
async function moduleGraph() {
  const sources = new Map<string, string>()
  const pending = ['app.js']
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (sources.has(file)) continue
    const response = await page.request(`/ui/${file}`)
    expect(response.status, file).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const source = await response.text()
    sources.set(file, source)
    for (const [, imported] of source.matchAll(/from ['"]\.\/([a-z]+\.(?:js|ts))['"]/g)) {
      if (imported) pending.push(imported)
    }
  }
  return sources
}

describe('the web page', () => {
  it('serves an HTML shell with no inline script and a strict content security policy', async () => {
    const response = await page.request('/')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/html')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("default-src 'none'")
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await response.text()
    expect(html).toContain('<script type="module" src="ui/app.js"></script>')
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(html).toContain('<option>failed</option>')
  })

  it('serves the stylesheet as CSS', async () => {
    const response = await page.request('/ui/style.css')
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(await response.text()).toContain('.journey')
  })

  it('serves every browser module as plain JavaScript that parses', async () => {
    const sources = await moduleGraph()
    const names = [...sources.keys()].map((file) => file.replace(/\.(js|ts)$/, ''))
    expect(names.sort()).toEqual([
      'api',
      'app',
      'dom',
      'events',
      'journey',
      'live',
      'search',
      'types',
      'waterfall',
    ])
    const dir = mkdtempSync(join(tmpdir(), 'freshet-page-'))
    try {
      for (const [file, source] of sources) {
        const path = join(dir, file.replace(/\.(js|ts)$/, '.mjs'))
        writeFileSync(path, source)
        // Throws with the syntax error if any TypeScript were left in it.
        await promisify(execFile)(process.execPath, ['--check', path])
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('never turns data into markup: no HTML-parsing DOM sinks in its code', async () => {
    for (const [file, source] of await moduleGraph()) {
      expect(source, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/)
    }
  })

  it('serves only its own modules', async () => {
    for (const file of ['unknown.js', 'app.js.map', 'style.js.ts', 'App.js', '..%2Fpage.ts']) {
      expect(clientModule(file), file).toBeUndefined()
    }
    expect(clientModule('app.js')).toBeDefined()
  })
})
