/**
 * A real Directus (the version scripts/ensure-directus.sh installs, 12.4.0) on SQLite in a temp
 * folder, on a free port, for the tests in this folder. Installed on first use into a cache
 * outside the repository (about 4 minutes once); `install()` says why when it cannot be.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, waitFor } from '../process.ts'

const SCRIPT = new URL('../../../../scripts/ensure-directus.sh', import.meta.url).pathname
export const ADMIN_EMAIL = 'admin@example.com'
export const ADMIN_PASSWORD = 'directus-admin-password-for-tests'

/** The install folder, or why Directus cannot be installed here. */
export async function installDirectus(): Promise<{ dir: string } | { error: string }> {
  try {
    const { stdout } = await promisify(execFile)('sh', [SCRIPT], {
      timeout: 20 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    })
    const dir = stdout.trim().split('\n').at(-1)
    return dir ? { dir } : { error: 'scripts/ensure-directus.sh printed no folder' }
  } catch (error) {
    const e = error as Error & { stderr?: string }
    return { error: `${e.message}\n${(e.stderr ?? '').slice(-2000)}` }
  }
}

export interface DirectusServer {
  url: string
  /** Logs, for a failing test's message. */
  output(): string
  close(): Promise<void>
}

export async function startDirectus(installDir: string): Promise<DirectusServer> {
  const data = mkdtempSync(join(tmpdir(), 'freshet-directus-'))
  const port = await freePort()
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DB_CLIENT: 'sqlite3',
    DB_FILENAME: join(data, 'data.db'),
    KEY: 'freshet-test-key',
    SECRET: 'freshet-test-secret-0123456789abcdef',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    // Flows may call freshet on 127.0.0.1 (DESIGN.md, facts).
    IMPORT_IP_DENY_LIST: '',
    STORAGE_LOCAL_ROOT: join(data, 'uploads'),
    EXTENSIONS_PATH: join(data, 'extensions'),
    TELEMETRY: 'false',
    CACHE_ENABLED: 'false',
    RATE_LIMITER_ENABLED: 'false',
    WEBSOCKETS_ENABLED: 'false',
    MARKETPLACE_TRUST: 'sandbox',
    LOG_LEVEL: 'warn',
    LOG_STYLE: 'raw',
  }
  const run = join(installDir, 'node_modules/@directus/api/dist/cli/run.js')
  let output = ''
  const collect = (child: ChildProcess) => {
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
  }
  const bootstrap = spawn(process.execPath, [run, 'bootstrap'], { cwd: installDir, env })
  collect(bootstrap)
  const code = await new Promise<number | null>((resolve) => bootstrap.once('exit', resolve))
  if (code !== 0) throw new Error(`[directus] bootstrap exited ${code}:\n${output}`)
  const server = spawn(process.execPath, [run, 'start'], { cwd: installDir, env })
  collect(server)
  const url = `http://127.0.0.1:${port}`
  await waitFor(
    `Directus on ${url}`,
    async () => ((await fetch(`${url}/server/ping`)).ok ? true : undefined),
    // Under 10 s on an idle machine; minutes on a loaded one.
    300_000,
  ).catch((error: Error) => {
    server.kill('SIGKILL')
    throw new Error(`${error.message}\n${output}`)
  })
  return {
    url,
    output: () => output,
    async close() {
      const exited = new Promise((resolve) => server.once('exit', resolve))
      server.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (server.exitCode === null) server.kill('SIGKILL')
      rmSync(data, { recursive: true, force: true })
    },
  }
}
