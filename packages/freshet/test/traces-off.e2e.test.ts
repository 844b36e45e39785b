import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { startOtlpReceiver } from './otlp-receiver.ts'
import { freePort, writeConfig } from './process.ts'

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname
const PROBE = new URL('./load-probe.mjs', import.meta.url).pathname

/** `freshet serve` with the load probe: accepts one webhook, sees it complete, stops. */
async function serveOnce(otel: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-traces-off-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const file = writeConfig(dir, {
    server: { port, host: '127.0.0.1', adminToken: 'admin' },
    store: { dir: join(dir, 'store') },
    sources: { generic: { token: 'hook' } },
  })
  // Exactly this environment: no OTEL_* variable of the test's own.
  const env: NodeJS.ProcessEnv = Object.assign({} as NodeJS.ProcessEnv, {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    FRESHET_LOG_LEVEL: 'warn',
    ...otel,
  })
  const child = spawn(process.execPath, ['--import', PROBE, CLI, 'serve', '--config', file], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    await expect
      .poll(
        () =>
          fetch(`${base}/readyz`).then(
            (r) => r.ok,
            () => false,
          ),
        { timeout: 60_000 },
      )
      .toBe(true)
    const response = await fetch(`${base}/hooks/generic`, {
      method: 'POST',
      headers: { authorization: 'Bearer hook', 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['/off'] }),
    })
    const { id } = (await response.json()) as { id: string }
    const status = async () => {
      const event = await fetch(`${base}/api/events/${id}`, {
        headers: { authorization: 'Bearer admin' },
      })
      return ((await event.json()) as { status: string; traceId: string | null }).status
    }
    await expect.poll(status, { timeout: 60_000 }).toBe('completed')
    const event = await fetch(`${base}/api/events/${id}`, {
      headers: { authorization: 'Bearer admin' },
    })
    const view = (await event.json()) as { traceId: string | null }
    child.kill('SIGTERM')
    await exited
    const loaded = output.split('\n').filter((line) => line.startsWith('[load-probe]'))
    return { loaded, traceId: view.traceId }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

it('loads no OpenTelemetry SDK and exports nothing without OTEL_* in the environment', async () => {
  const receiver = await startOtlpReceiver()
  try {
    const off = await serveOnce({})
    expect(off.loaded).toEqual([])
    expect(off.traceId).toBeNull()
    expect(receiver.requests).toEqual([])
    // The probe sees the SDK when the environment asks for traces.
    const on = await serveOnce({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    })
    expect(on.loaded.some((line) => line.includes('@opentelemetry/sdk-node'))).toBe(true)
    expect(on.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(receiver.requests).toContain('POST /v1/traces')
  } finally {
    await receiver.close()
  }
}, 180_000)
