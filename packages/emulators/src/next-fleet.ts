import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, relative, resolve } from 'node:path'
import { withFileLock } from './file-lock.ts'

/**
 * The example site as a fleet of Next.js pods: one `next build` of `examples/next-site`, run as
 * several `next start` processes sharing that `.next` (DESIGN.md "Testing against real things").
 */

const repoRoot = resolve(import.meta.dirname, '../../..')
export const siteDir = join(repoRoot, 'examples/next-site')
const packageDir = join(repoRoot, 'packages/next')
const nextBin = join(repoRoot, 'node_modules/next/dist/bin/next')
const tscBin = join(repoRoot, 'node_modules/typescript/bin/tsc')
const keyFile = join(siteDir, '.next', 'freshet-build-key')

export interface BuildResult {
  buildId: string
  /** False when an up-to-date build was reused. */
  built: boolean
  ms: number
}

/**
 * Builds `@freshet/next` and the site unless the last build had the same sources (a hash of the
 * site's and the package's files and Next's version). Safe to call from parallel test files.
 * The content API must be up: pages are prerendered from it.
 */
export async function buildSite(options: { contentApiUrl: string }): Promise<BuildResult> {
  const started = performance.now()
  return withFileLock(join(siteDir, '.next-build.lock'), async () => {
    const key = await sourceKey()
    const built = (await readFile(keyFile, 'utf8').catch(() => '')) !== key
    if (built) {
      await run(process.execPath, [tscBin, '-p', 'tsconfig.build.json'], packageDir, {})
      await run(process.execPath, [nextBin, 'build'], siteDir, {
        CONTENT_API_URL: options.contentApiUrl,
      })
      await writeFile(keyFile, key)
    }
    const buildId = (await readFile(join(siteDir, '.next', 'BUILD_ID'), 'utf8')).trim()
    return { buildId, built, ms: Math.round(performance.now() - started) }
  })
}

const SKIP = new Set(['node_modules', '.next', 'dist', 'test', 'next-env.d.ts', '.next-build.lock'])

async function sourceKey(): Promise<string> {
  const hash = createHash('sha256')
  const nextPackage = await readFile(join(repoRoot, 'node_modules/next/package.json'), 'utf8')
  hash.update(JSON.parse(nextPackage).version)
  for (const dir of [siteDir, packageDir]) {
    for (const file of await filesUnder(dir)) {
      hash.update(relative(repoRoot, file)).update(await readFile(file))
    }
  }
  return hash.digest('hex')
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries
      .filter((entry) => !SKIP.has(entry.name) && !entry.name.endsWith('.tsbuildinfo'))
      .map((entry) => {
        const path = join(dir, entry.name)
        return entry.isDirectory() ? filesUnder(path) : [path]
      }),
  )
  return nested.flat().sort()
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<void>((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // A build is not left running by a process that exits during it (the demo stopped early).
    killOnExit(child)
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', fail)
    child.on('exit', (code) =>
      code === 0
        ? done()
        : fail(new Error(`[emulators] [next-fleet] ${args.join(' ')} exited ${code}:\n${output}`)),
    )
  })
}

export interface Pod {
  id: string
  url: string
  port: number
  process: ChildProcess
}

export interface Fleet {
  readonly pods: Pod[]
  /** SIGKILLs pod `index` (a pod dying mid-run); resolves once it is gone. */
  kill(index: number): Promise<void>
  /** Starts one more pod from the same build (a late or replacement pod). */
  start(): Promise<Pod>
  /** Stops every pod. */
  stop(): Promise<void>
}

export interface FleetOptions {
  count: number
  contentApiUrl: string
  token: string
  /** Extra environment for every pod. */
  env?: Record<string, string>
}

/** Runs `count` `next start` pods of the built site; resolves once every one answers HTTP. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const pods: Pod[] = []
  let started = 0
  // Slots are taken in order, so `pods[i]` is `pod-i` whichever answers first.
  const startPod = async () => {
    const slot = started++
    const pod = await launchPod(`pod-${slot}`, options)
    pods[slot] = pod
    return pod
  }
  try {
    await Promise.all(Array.from({ length: options.count }, startPod))
  } catch (error) {
    await Promise.all(pods.filter(Boolean).map((pod) => stopPod(pod, 'SIGKILL')))
    throw error
  }
  return {
    pods,
    start: startPod,
    kill: async (index) => {
      const pod = pods[index]
      if (!pod) throw new Error(`[emulators] [next-fleet] no pod ${index}`)
      await stopPod(pod, 'SIGKILL')
    },
    stop: async () => {
      await Promise.all(pods.map((pod) => stopPod(pod, 'SIGTERM')))
    },
  }
}

async function launchPod(id: string, options: FleetOptions): Promise<Pod> {
  const port = await freePort()
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: siteDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      CONTENT_API_URL: options.contentApiUrl,
      REVALIDATE_TOKEN: options.token,
      POD_ID: id,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  killOnExit(child)
  const pod = { id, url: `http://127.0.0.1:${port}`, port, process: child }
  await waitUntilAnswering(pod)
  return pod
}

async function waitUntilAnswering(pod: Pod, timeoutMs = 60_000): Promise<void> {
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  pod.process.stdout?.on('data', keep)
  pod.process.stderr?.on('data', keep)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (pod.process.exitCode !== null || pod.process.signalCode !== null) break
    const answered = await fetch(`${pod.url}/api/revalidate`).then(
      () => true,
      () => false,
    )
    if (answered) return
    await new Promise((wake) => setTimeout(wake, 100))
  }
  pod.process.kill('SIGKILL')
  throw new Error(`[emulators] [next-fleet] ${pod.id} did not answer on ${pod.url}:\n${output}`)
}

function stopPod(pod: Pod, signal: NodeJS.Signals): Promise<void> {
  const child = pod.process
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => {
    child.once('exit', () => done())
    child.kill(signal)
    // A pod that ignores SIGTERM is not left behind.
    if (signal !== 'SIGKILL') setTimeout(() => child.kill('SIGKILL'), 5000).unref()
  })
}

// Pods never outlive the test process, even when it ends without stopping its fleet.
const children = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})
function killOnExit(child: ChildProcess) {
  children.add(child)
  child.once('exit', () => children.delete(child))
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail()))
    })
  })
}
