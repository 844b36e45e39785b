import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * `npm run demo` (`exec node scripts/demo.ts`) stops cleanly on a SIGTERM to its PID, at any
 * moment: once it is up, and while it is still building and starting. Its fixed ports
 * (content API 4000, CloudFront 4566, edge 8080, freshet 8787) are free afterwards.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url))
const PORTS = [4000, 4566, 8080, 8787]

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
const freePorts = async () => {
  const free = await Promise.all(PORTS.map(portFree))
  return PORTS.filter((_, i) => free[i])
}

function startDemo() {
  const child = spawn(process.execPath, ['scripts/demo.ts'], {
    cwd: root,
    env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { text: '' }
  child.stdout?.on('data', (chunk: Buffer) => {
    out.text += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    out.text += chunk.toString()
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, out, exited }
}

const refused = (url: string) =>
  fetch(url).then(
    () => false,
    () => true,
  )

describe('npm run demo', () => {
  it('stops everything on SIGTERM to its PID once it is up, says so, exits 0', async () => {
    expect(await freePorts()).toEqual(PORTS)
    const demo = startDemo()
    try {
      await expect
        .poll(() => demo.out.text, { timeout: 600_000, interval: 500 })
        .toContain('freshet         http://127.0.0.1:8787')
      const pods = [...demo.out.text.matchAll(/^pod pod-\d+ +(http:\/\/\S+)/gm)].map((m) => m[1])
      expect(pods).toHaveLength(3)
      demo.child.kill('SIGTERM')
      expect(await demo.exited).toEqual({ code: 0, signal: null })
      expect(demo.out.text).toContain(
        "SIGTERM: stopping freshet's server, freshet, the edge, CloudFront, the 3 pods, the content API…",
      )
      expect(demo.out.text.trimEnd().endsWith('demo stopped')).toBe(true)
      expect(await freePorts()).toEqual(PORTS)
      for (const pod of pods) expect(await refused(`${pod}/api/revalidate`)).toBe(true)
    } finally {
      demo.child.kill('SIGKILL')
    }
  }, 720_000)

  it('stops what has started on SIGTERM during the build and start-up, says so, exits 0', async () => {
    expect(await freePorts()).toEqual(PORTS)
    const demo = startDemo()
    try {
      await expect
        .poll(() => demo.out.text, { timeout: 120_000, interval: 50 })
        .toContain('building the example site once')
      demo.child.kill('SIGTERM')
      expect(await demo.exited).toEqual({ code: 0, signal: null })
      expect(demo.out.text).toMatch(/^SIGTERM: stopping (.+, )?the content API…$/m)
      expect(demo.out.text).not.toContain('freshet         http://')
      expect(demo.out.text.trimEnd().endsWith('demo stopped')).toBe(true)
      expect(await freePorts()).toEqual(PORTS)
    } finally {
      demo.child.kill('SIGKILL')
    }
  }, 720_000)
})
