import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminClient } from '../src/cli/client.ts'
import { ENVIRONMENT } from '../src/cli/environment.ts'
import { followEvent } from '../src/cli/follow.ts'
import { ADMIN, type Harness, startHarness } from './harness.ts'
import { freePort } from './process.ts'

const BIN = fileURLToPath(new URL('../bin/freshet.js', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** `freshet …` as a user runs it: the package's bin, in a process of its own. */
function freshet(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, FRESHET_URL: undefined, FRESHET_ADMIN_TOKEN: undefined, ...env },
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

const lines = (text: string) => text.trim().split('\n')

describe('the CLI, against a running freshet', () => {
  let h: Harness
  let server: ReturnType<typeof serve>
  let url: string
  let remote: string[]

  beforeAll(async () => {
    h = await startHarness({ pods: 3, completeAfterMs: 1_500 })
    server = serve({ fetch: h.service.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((r) => server.once('listening', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    remote = ['--url', url, '--token', ADMIN]
  })
  afterAll(async () => {
    server?.close()
    await h?.close()
  })

  it('invalidate --wait follows the event live, one line per stage, and exits 0 on completed', async () => {
    const run = await freshet([
      'invalidate',
      '/articles/a',
      '--tag',
      'articles',
      '--wait',
      ...remote,
    ])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const printed = lines(run.stdout)
    expect(printed[0]).toMatch(/^event \S+ received$/)
    // Every stage, in pipeline order, even those far shorter than a look (planning, pods).
    const stages = printed.slice(1).map((l) => l.split(' ')[0])
    const runs = stages.filter((s, i) => s !== 'received' && s !== stages[i - 1])
    expect(runs).toEqual(['planning', 'pods', 'cdn', 'tracking', 'completed'])
    expect(printed).toContainEqual(
      expect.stringMatching(/^pods {6}pods confirmed 3\/3, in \d+\.\d s$/),
    )
    expect(printed).toContainEqual(
      expect.stringMatching(/^cdn {7}1 invalidation created, in \d+\.\d s$/),
    )
    expect(printed.at(-1)).toMatch(
      /^completed +in \d+\.\d s, pods confirmed 3\/3, invalidations Completed 1\/1$/,
    )
    // CloudFront completes after 1.5 s: the wait shows the invalidation in progress first.
    expect(printed).toContainEqual(expect.stringMatching(/invalidations Completed 0\/1$/))
    expect(new Set(printed).size).toBe(printed.length)
  }, 180_000)

  it('--wait looks again at each event of the server’s stream, not only on its poll', async () => {
    // Polls 10 minutes apart: only GET /api/stream can bring the follower to the end in time.
    const client = adminClient({ url, token: ADMIN })
    const { id } = (await client.post('/api/invalidations', { paths: ['/articles/sse'] })) as {
      id: string
    }
    const printed: string[] = []
    const code = await followEvent(client, id, {
      timeoutSeconds: 60,
      json: false,
      intervalMs: 600_000,
      livePollMs: 600_000,
      print: (line) => printed.push(line),
    })
    expect(code).toBe(0)
    expect(printed.at(-1)).toMatch(/^completed /)
  }, 180_000)

  it('status ID: a short summary; --json: the API answer', async () => {
    const invalidated = await freshet(['invalidate', '/articles/b', '--json', ...remote])
    const { id } = JSON.parse(invalidated.stdout) as { id: string }
    await h.settle(id)
    const text = await freshet(['status', id, ...remote])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`^event ${id}\\n`))
    expect(text.stdout).toMatch(/ stage +completed\n/)
    expect(text.stdout).toMatch(/ source +manual\n/)
    expect(text.stdout).toMatch(/ pods +confirmed 3\/3\n/)
    expect(text.stdout).toMatch(/ invalidations +Completed 1\/1\n/)
    expect(text.stdout).toMatch(/ finished +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+\.\d s\)/)
    const json = await freshet(['status', id, '--json', ...remote])
    expect(JSON.parse(json.stdout)).toMatchObject({ id, status: 'completed' })
  }, 180_000)

  it('events lists the recent ones, with filters', async () => {
    const all = await freshet(['events', ...remote])
    expect(all.code).toBe(0)
    expect(lines(all.stdout).length).toBeGreaterThanOrEqual(2)
    for (const line of lines(all.stdout)) expect(line).toMatch(/^\S+ {2}completed +manual/)
    const failed = await freshet(['events', '--status', 'failed', ...remote])
    expect(failed.stdout.trim()).toBe('no events')
    const json = await freshet(['events', '--source', 'manual', '-n', '1', '--json', ...remote])
    expect((JSON.parse(json.stdout) as { events: unknown[] }).events).toHaveLength(1)
  }, 180_000)

  it('--json --wait: one JSON object per line, the answer then each change', async () => {
    const run = await freshet(['invalidate', '/articles/j', '--json', '--wait', ...remote])
    expect(run.code).toBe(0)
    const printed = lines(run.stdout).map((line) => JSON.parse(line) as Record<string, unknown>)
    const id = printed[0]?.id
    expect(printed[0]).toMatchObject({ status: 'received' })
    expect(printed.at(-1)).toEqual({
      id,
      status: 'completed',
      pods: { confirmed: 3, skipped: 0, total: 3 },
      invalidations: { completed: 1, total: 1 },
      error: null,
    })
  }, 180_000)

  it('--wait --timeout: gives up with exit 4, saying how to follow on', async () => {
    // CloudFront completes 1.5 s after the invalidation is created: 0.2 s cannot see the end.
    const run = await freshet([
      'invalidate',
      '/articles/t',
      '--wait',
      '--timeout',
      '0.2',
      ...remote,
    ])
    expect(run.code).toBe(4)
    const id = lines(run.stdout)[0]?.split(' ')[1] ?? ''
    expect(run.stderr.trim()).toMatch(
      new RegExp(
        `^\\[freshet\\] event ${id} is still \\w+ after 0\\.2 s; follow it on with npx freshet status ${id} --wait, or give a longer --timeout$`,
      ),
    )
    await h.settle(id)
  }, 180_000)

  it('simulate prints what would be purged and why; --json the API answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-cli-'))
    const file = join(dir, 'hook.json')
    writeFileSync(file, JSON.stringify({ paths: ['/articles/s'], tags: ['articles'] }))
    const args = ['simulate', '-s', 'generic', '-f', file, ...remote]
    const text = await freshet(args)
    expect(text.code).toBe(0)
    expect(lines(text.stdout)).toEqual([
      'changes (1):',
      '  generic purge: 1 paths, 1 tags',
      'paths (1):',
      expect.stringMatching(/^ {2}\/articles\/s {2}explicit: /),
      'tags (1):',
      expect.stringMatching(/^ {2}articles {2}explicit: /),
      '(nothing was changed: a dry run)',
    ])
    const json = await freshet([...args, '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ plan: { paths: [{ value: '/articles/s' }] } })
    rmSync(dir, { recursive: true, force: true })
  }, 180_000)

  it('a failed event exits 1 with its reason; retry --wait resumes it to completed', async () => {
    for (const pod of h.pods) pod.fail()
    const run = await freshet(['invalidate', '/articles/c', '--wait', ...remote])
    expect(run.code).toBe(1)
    expect(lines(run.stdout).at(-1)).toMatch(/^failed +.+ at pods/)
    const id = lines(run.stdout)[0]?.split(' ')[1] ?? ''
    for (const pod of h.pods) pod.heal()
    const retried = await freshet(['retry', id, '--wait', ...remote])
    expect(retried.code).toBe(0)
    expect(lines(retried.stdout)[0]).toBe(`event ${id} resumes at pods`)
    expect(lines(retried.stdout).at(-1)).toMatch(/^completed .*pods confirmed 3\/3/)
    const again = await freshet(['retry', id, ...remote])
    expect(again.code).toBe(3)
    expect(again.stderr.trim()).toMatch(
      new RegExp(
        `answered 409, .*: only failed events can be retried; see npx freshet status ${id}$`,
      ),
    )
  }, 180_000)

  it('every error ends with the fix', async () => {
    const noToken = await freshet(['events', '--url', url])
    expect(noToken.code).toBe(3)
    expect(noToken.stderr.trim()).toMatch(
      /answered 401, .*no admin token given; pass --token or set FRESHET_ADMIN_TOKEN$/,
    )
    const wrong = await freshet(['events', '--url', url], { FRESHET_ADMIN_TOKEN: 'wrong' })
    expect(wrong.stderr.trim()).toMatch(/pass --token or set FRESHET_ADMIN_TOKEN to it$/)
    const fromEnv = await freshet(['events'], { FRESHET_URL: url, FRESHET_ADMIN_TOKEN: ADMIN })
    expect(fromEnv.code).toBe(0)
    const down = `http://127.0.0.1:${await freePort()}`
    const refused = await freshet(['status', 'x', '--url', down, '--token', ADMIN])
    expect(refused.code).toBe(3)
    expect(refused.stderr.trim()).toBe(
      `[freshet] cannot reach freshet at ${down} (ECONNREFUSED): is freshet running at ${down}? Start it with npx freshet serve, or point --url / FRESHET_URL at it`,
    )
    const missing = await freshet(['status', 'no-such-event', ...remote])
    expect(missing.code).toBe(3)
    expect(missing.stderr.trim()).toMatch(
      /answered 404, .*npx freshet events lists the recent ones$/,
    )
    const bad = await freshet(['invalidate', 'no-slash', ...remote])
    expect(bad.code).toBe(3)
    expect(bad.stderr.trim()).toMatch(
      /answered 400, .*: change the request as the server says; npx freshet invalidate --help shows the arguments$/,
    )
    const noFile = await freshet([
      'simulate',
      '-s',
      'generic',
      '-f',
      'no-such-file.json',
      ...remote,
    ])
    expect(noFile.code).toBe(1)
    expect(noFile.stderr.trim()).toMatch(
      /^\[freshet\] ENOENT: .*no-such-file\.json'?: check the path \(a file; relative paths start at .+\)$/,
    )
    const usage = await freshet(['invalidate', ...remote])
    expect(usage.code).toBe(2)
    expect(usage.stderr.trim()).toBe(
      '[freshet] invalidate: give paths (/articles/hello) or --tag TAG',
    )
  }, 180_000)
})

describe('the CLI, behind something that is not freshet', () => {
  // A proxy or another service at --url: its 403 and 404 still end with a fix.
  let server: Server
  let url: string
  beforeAll(async () => {
    server = createServer((request, response) => {
      const status = request.headers.authorization === 'Bearer forbidden' ? 403 : 404
      response.writeHead(status, { 'content-type': 'text/plain' }).end('no')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((r) => server.close(r)))

  it('403 names the admin token, 404 the URL', async () => {
    const forbidden = await freshet(['events', '--url', url, '--token', 'forbidden'])
    expect(forbidden.code).toBe(3)
    expect(forbidden.stderr.trim()).toMatch(
      /answered 403, HTTP 403: the token may not do this; pass the server’s server\.adminToken with --token or FRESHET_ADMIN_TOKEN$/,
    )
    const nothing = await freshet(['events', '--url', url, '--token', 'x'])
    expect(nothing.stderr.trim()).toBe(
      `[freshet] GET /api/events on ${url} answered 404, HTTP 404: nothing answers /api/events at ${url}; check that --url / FRESHET_URL points at freshet itself`,
    )
  }, 60_000)
})

describe('the CLI, on its own', () => {
  it('--version prints the package version; --help names every variable and exit code', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    expect((await freshet(['--version'])).stdout.trim()).toBe(version)
    const help = await freshet(['--help'])
    expect(help.code).toBe(0)
    for (const [name] of ENVIRONMENT) expect(help.stdout).toContain(name)
    for (const code of [0, 1, 2, 3, 4]) expect(help.stdout).toMatch(new RegExp(`\\n  ${code}  `))
    const unknown = await freshet(['nonsense'])
    expect(unknown.code).toBe(2)
  }, 180_000)
})
