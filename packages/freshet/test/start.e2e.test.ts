import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { freePort, spawnFreshet, waitFor } from './process.ts'

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
