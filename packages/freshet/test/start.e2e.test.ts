import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { freePort, spawnFreshet, waitFor, writeConfig } from './process.ts'

it('starts with no config on the embedded store, and says where it listens and what is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-start-'))
  const port = await freePort()
  const run = spawnFreshet(['serve'], { PORT: String(port), FRESHET_LOG_LEVEL: 'info' }, dir)
  try {
    await waitFor(
      'ready',
      async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
      60_000,
    )
    const log = run.output()
    expect(log).toContain(`freshet listening on http://0.0.0.0:${port}`)
    expect(log).toContain('embedded (./.freshet)')
    expect(log).toContain('not configured yet: no webhook sources')
    expect(log).toContain('not configured yet: no pods')
    expect(log).toContain('not configured yet: no CDN')
    expect(existsSync(join(dir, '.freshet'))).toBe(true)
    const hook = await fetch(`http://127.0.0.1:${port}/hooks/generic`, {
      method: 'POST',
      body: '{}',
    })
    expect(hook.status).toBe(404)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  } finally {
    run.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}, 90_000)

it('with Kubernetes discovery but no cluster nor KUBECONFIG, says so once and stays not ready', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-start-k8s-'))
  const port = await freePort()
  const config = writeConfig(dir, {
    pods: {
      token: 't',
      discovery: { kubernetes: { namespace: 'site', service: 'web', port: 3000 } },
    },
  })
  const { KUBECONFIG: _, KUBERNETES_SERVICE_HOST: __, ...env } = process.env
  const run = spawnFreshet(
    ['serve', '--config', config],
    {
      ...(env as Record<string, string>),
      HOME: dir,
      PORT: String(port),
      FRESHET_LOG_LEVEL: 'info',
    },
    dir,
    { inherit: false },
  )
  try {
    const ready = await waitFor(
      'an answer from /readyz',
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`)
        return { status: response.status, body: (await response.json()) as { reason?: string } }
      },
      60_000,
    )
    expect(ready.status).toBe(503)
    expect(ready.body.reason).toContain('pods.discovery.kubernetes: no Kubernetes configuration')
    expect(ready.body.reason).toContain('set KUBECONFIG')
    // A fixed wait only to prove that nothing more is said: the old client retried every few s.
    await new Promise((r) => setTimeout(r, 6_000))
    const lines = run.output().split('\n')
    expect(lines.filter((line) => line.includes('no Kubernetes configuration'))).toHaveLength(1)
    expect(run.output()).not.toContain('skipTLSVerify')
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503)
  } finally {
    run.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}, 120_000)
