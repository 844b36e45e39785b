import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'

const BIN = fileURLToPath(new URL('../bin/freshet.js', import.meta.url))

/** `freshet doctor --config <config as YAML>` in a process of its own: exit code and lines. */
export function doctor(config: unknown, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-doctor-'))
  const file = join(dir, 'freshet.yaml')
  writeFileSync(file, stringify(config))
  return new Promise<{ code: number; lines: string[] }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'doctor', '--config', file],
      { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout) => {
        rmSync(dir, { recursive: true, force: true })
        resolve({ code: error ? Number(error.code ?? 1) : 0, lines: stdout.trim().split('\n') })
      },
    )
  })
}

/** `✗ text` of the check named `name` (the line is `✗ name: text`). */
export const line = (lines: string[], name: string) => {
  const found = lines.find((l) => l.slice(2).startsWith(`${name}: `))
  return found && `${found.slice(0, 1)} ${found.slice(name.length + 4)}`
}
