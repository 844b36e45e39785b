import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { stringify } from 'yaml'

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export function writeConfig(dir: string, config: unknown): string {
  const file = join(dir, 'freshet.yaml')
  writeFileSync(file, stringify(config))
  return file
}

/** `freshet serve` as its own process, as an operator runs it. */
export function spawnFreshet(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  options: { inherit?: boolean } = {},
) {
  // inherit: false gives the process exactly `env` (to leave variables out).
  const base: NodeJS.ProcessEnv =
    options.inherit === false ? ({} as NodeJS.ProcessEnv) : process.env
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...base, FRESHET_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, output: () => output, exited }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
