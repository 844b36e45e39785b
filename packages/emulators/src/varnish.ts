/**
 * A real Varnish (Debian's varnishd 7.1 with varnish-modules' xkey), not an emulator: runs
 * freshet's shipped VCL (`deploy/varnish/freshet.vcl`) with its backends and purge ACL replaced
 * for the test, on an ephemeral port. `scripts/ensure-varnish.sh` installs it when missing.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

const VARNISHD = '/usr/sbin/varnishd'
const root = new URL('../../../', import.meta.url)
export const SHIPPED_VCL = new URL('deploy/varnish/freshet.vcl', root)

export interface VarnishOptions {
  /** Origins (`http://127.0.0.1:port`), served round-robin. */
  backends: string[]
  /** Who may purge; default the loopback addresses (the shipped ACL's first entries). */
  purgers?: string[]
}

/** Installs Varnish through the project's script when it is not there (CI runs it too). */
export function ensureVarnish(): void {
  if (existsSync(VARNISHD)) return
  execFileSync('bash', [new URL('scripts/ensure-varnish.sh', root).pathname], { stdio: 'inherit' })
}

/** The shipped VCL with these backends (a round-robin director) and this purge ACL. */
export function renderVcl(options: VarnishOptions): string {
  const shipped = readFileSync(SHIPPED_VCL, 'utf8')
  const backends = options.backends
    .map((origin, i) => {
      const url = new URL(origin)
      return `backend b${i} {\n  .host = "${url.hostname}";\n  .port = "${url.port || '80'}";\n}`
    })
    .join('\n')
  const director = [
    'import directors;',
    'sub vcl_init {',
    '  new site = directors.round_robin();',
    ...options.backends.map((_, i) => `  site.add_backend(b${i});`),
    '}',
    'sub vcl_recv {',
    '  set req.backend_hint = site.backend();',
    '}',
  ].join('\n')
  const purgers = (options.purgers ?? ['127.0.0.1', '::1']).map((ip) => `  "${ip}";`).join('\n')
  const vcl = shipped
    .replace(/backend default \{[^}]*\}/, `${backends}\n${director}`)
    .replace(/acl purgers \{[^}]*\}/, `acl purgers {\n${purgers}\n}`)
  if (vcl === shipped) throw new Error('[varnish] the shipped VCL has no backend or ACL to replace')
  return vcl
}

export async function startVarnish(options: VarnishOptions) {
  ensureVarnish()
  const dir = mkdtempSync(join(tmpdir(), 'freshet-varnish-'))
  const vcl = join(dir, 'freshet.vcl')
  writeFileSync(vcl, renderVcl(options))
  const workdir = join(dir, 'work')
  const args = ['-F', '-n', workdir, '-a', '127.0.0.1:0', '-T', '127.0.0.1:0', '-f', vcl]
  args.push('-j', 'none', '-s', 'malloc,64m', '-p', `vcl_path=${dir}`)
  const child: ChildProcess = spawn(VARNISHD, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await listenPort(workdir, child, () => stderr)
  return {
    url: `http://127.0.0.1:${port}`,
    /** Runs `varnishadm` against this instance (e.g. `ban.list`). */
    admin: async (...command: string[]) =>
      (await promisify(execFile)('varnishadm', ['-n', workdir, ...command])).stdout,
    async close() {
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(5000)])
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The port varnishd listens on, once its child is up (asked through varnishadm). */
async function listenPort(workdir: string, child: ChildProcess, log: () => string) {
  const run = promisify(execFile)
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error(`[varnish] varnishd exited: ${log()}`)
    try {
      const { stdout } = await run('varnishadm', ['-n', workdir, 'debug.listen_address'])
      const port = stdout.match(/127\.0\.0\.1 (\d+)/)?.[1]
      if (port) return Number(port)
    } catch {
      // Not up yet.
    }
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`[varnish] varnishd did not start within 15 s: ${log()}`)
}

export type Varnish = Awaited<ReturnType<typeof startVarnish>>
