import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, findConfigFile, loadConfig, parseConfigText } from './load.ts'

// Plain maps of variables (ProcessEnv may require keys such as NODE_ENV).
type Env = Record<string, string | undefined>
const parse = (text: string, env: Env, file?: string) =>
  parseConfigText(text, env as NodeJS.ProcessEnv, file)
const load = (explicit: string | undefined, env: Env, cwd: string) =>
  loadConfig(explicit, env as NodeJS.ProcessEnv, cwd)

/** The config shape of DESIGN.md, pasted as written. */
const DESIGN_CONFIG = `
server:
  port: 8787
  adminToken: \${FRESHET_ADMIN_TOKEN}     # admin API and web page: Authorization: Bearer
store:
  url: \${DATABASE_URL}                   # empty or absent: embedded, in ./.freshet
sources:
  generic:                               # POST /hooks/generic {"paths": [...], "tags": [...]}
    token: \${FRESHET_HOOK_TOKEN}         # Authorization: Bearer
  directus:                              # POST /hooks/directus, from a Directus Flow
    secret: \${DIRECTUS_WEBHOOK_SECRET}   # Authorization: Bearer, or ?secret=
    url: https://cms.example.com         # REST API: to read items and relations
    token: \${DIRECTUS_TOKEN}
  contentful:                            # POST /hooks/contentful, signed requests
    signingSecret: \${CONTENTFUL_SIGNING_SECRET}
    spaceId: abc123
    environment: master
    accessToken: \${CONTENTFUL_DELIVERY_TOKEN}
routes:                                  # collection (Directus) or content type (Contentful)
  - collection: articles
    paths: ["/articles/{slug}", "/"]
    tags: ["article:{id}", "articles"]
pods:
  token: \${REVALIDATE_TOKEN}
  discovery:                             # exactly one of:
    static: ["http://10.0.0.7:3000"]
    # dns: { name: web-headless.site.svc.cluster.local, port: 3000 }
    # kubernetes: { namespace: site, service: web, port: 3000 }
cdn:
  cloudfront:
    distributionId: E2ABCDEF123456
`

const DESIGN_ENV = {
  FRESHET_ADMIN_TOKEN: 'admin',
  FRESHET_HOOK_TOKEN: 'hook',
  DIRECTUS_WEBHOOK_SECRET: 'directus-flow-secret-0123456789',
  DIRECTUS_TOKEN: 'directus-token',
  CONTENTFUL_SIGNING_SECRET: 'c'.repeat(64),
  CONTENTFUL_DELIVERY_TOKEN: 'contentful-token',
  REVALIDATE_TOKEN: 'revalidate',
}

const problemsOf = (text: string, env: Env = {}) => {
  try {
    parse(text, env, 'test.yaml')
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('config: DESIGN.md shape', () => {
  it('parses as written, with the variables set', () => {
    const config = parse(DESIGN_CONFIG, DESIGN_ENV)
    expect(config.server).toMatchObject({ port: 8787, adminToken: 'admin' })
    expect(config.store.url).toBeUndefined()
    expect(config.store.dir).toBe('./.freshet')
    expect(config.sources.generic).toEqual({ token: 'hook' })
    expect(config.sources.directus).toMatchObject({
      secret: DESIGN_ENV.DIRECTUS_WEBHOOK_SECRET,
      token: 'directus-token',
    })
    expect(config.sources.contentful).toMatchObject({ spaceId: 'abc123', environment: 'master' })
    expect(config.routes).toEqual([
      expect.objectContaining({ collection: 'articles', paths: ['/articles/{slug}', '/'] }),
    ])
    expect(config.pods?.token).toBe('revalidate')
    expect(config.pods?.discovery).toMatchObject({ static: ['http://10.0.0.7:3000'] })
    expect(config.cdn?.cloudfront).toMatchObject({ distributionId: 'E2ABCDEF123456' })
  })

  it('DATABASE_URL set switches the store to PostgreSQL; an explicit store.url wins', () => {
    const url = 'postgres://u@db:5432/freshet'
    const config = parse(DESIGN_CONFIG, { ...DESIGN_ENV, DATABASE_URL: url })
    expect(config.store.url).toBe(url)
    const explicit = parse('store: { url: "postgres://other/x" }', { DATABASE_URL: url })
    expect(explicit.store.url).toBe('postgres://other/x')
    expect(parse('', { DATABASE_URL: url }).store.url).toBe(url)
    expect(parse('', {}).store.url).toBeUndefined()
  })

  it('names the unset variable behind a required secret', () => {
    const { FRESHET_HOOK_TOKEN: _, ...env } = DESIGN_ENV
    expect(problemsOf(DESIGN_CONFIG, env)).toEqual([
      expect.stringMatching(/^sources\.generic\.token: .*FRESHET_HOOK_TOKEN is not set/),
    ])
  })
})

describe('config: errors', () => {
  it('gives one line per problem, naming the key, what was found and what is expected', () => {
    const problems = problemsOf(`
server:
  port: "eighty"
pods:
  token: t
  discovery: { static: ["http://a:3000"] }
  concurrency: 0
`)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toBe('server.port: expected a number, found "eighty"')
    expect(problems[1]).toBe('pods.concurrency: expected >= 1, found 0')
    for (const line of problems) expect(line).not.toContain('\n')
  })

  it.each([
    ['at the top', 'sever: { port: 1 }', /^\(top level\): unknown key "sever"/],
    ['nested', 'server: { prot: 1 }', /^server: unknown key "prot"/],
    [
      'deep',
      'sources: { generic: { token: t, tokne: u } }',
      /^sources\.generic: unknown key "tokne"/,
    ],
    [
      'in a list item',
      'cdn: { cloudfront: [{ distributionId: E1, distributionID: E2 }] }',
      /^cdn\.cloudfront\[0\]: unknown key "distributionID"/,
    ],
  ])('refuses an unknown key %s', (_, text, expected) => {
    expect(problemsOf(text)).toEqual([expect.stringMatching(expected)])
  })

  it('reports YAML syntax errors and duplicate keys with line, column and the line itself', () => {
    expect(problemsOf('server:\n  port: 1\n   host: x\n')[0]).toBe(
      'YAML line 2, column 9: Nested mappings are not allowed in compact mappings: "  port: 1"',
    )
    expect(problemsOf('server:\n  port: [1, 2\n')[0]).toMatch(
      /^YAML line 3, column 1: .*end with a \]: at the end of the file$/,
    )
    expect(problemsOf('server: { port: 1 }\nserver: { port: 2 }\n')[0]).toMatch(
      /^YAML line 2, column 1: .*[Uu]nique.*: "server: \{ port: 2 \}"$/,
    )
  })

  it('prefixes the message with where and the file, and never shows a secret value', () => {
    try {
      parse('server: { adminToken: 42 }\nsources: { generic: { token: "" } }', {}, 'f.yaml')
      expect.unreachable()
    } catch (error) {
      const message = (error as Error).message
      expect(message.startsWith('[freshet] [config] f.yaml:')).toBe(true)
      expect(message).toContain('server.adminToken')
      expect(message).toContain('sources.generic.token')
    }
    const problems = problemsOf('pods: { token: 12345, discovery: { static: ["http://a"] } }')
    expect(problems.join('\n')).not.toContain('12345')
  })
})

describe('config: each problem names the key, what was found and the fix', () => {
  it.each([
    [
      'an empty distribution',
      'cdn: { cloudfront: {} }',
      ['cdn.cloudfront.distributionId: required, e.g. E2ABCDEF123456'],
    ],
    [
      'a list entry without an id, with tags: yes',
      'cdn: { cloudfront: [{ distributionId: E1 }, { tags: yes }] }',
      [
        'cdn.cloudfront[1].distributionId: required, e.g. E2ABCDEF123456',
        'cdn.cloudfront[1].tags: expected true or false, found "yes"',
      ],
    ],
    [
      'tags: yes on one distribution',
      'cdn: { cloudfront: { distributionId: E1, tags: yes } }',
      ['cdn.cloudfront.tags: expected true or false, found "yes"'],
    ],
    [
      'a pod URL that is not a URL',
      'pods: { token: t, discovery: { static: ["http://ok:3000", "not a url"] } }',
      ['pods.discovery.static[1]: expected a URL, e.g. http://10.0.0.7:3000, found "not a url"'],
    ],
    [
      'a CMS URL that is not a URL',
      'sources: { directus: { secret: 0123456789abcdef, url: "cms.example.com" } }',
      [
        'sources.directus.url: expected a URL, e.g. https://cms.example.com, found "cms.example.com"',
      ],
    ],
    [
      'a store URL of another database, its password masked',
      'store: { url: "mysql://app:hunter2@db:3306/x" }',
      [
        'store.url: expected postgres://USER:PASSWORD@HOST:5432/DATABASE, or nothing (embedded), e.g. postgres://freshet:PASSWORD@db:5432/freshet, found "mysql://app:***@db:3306/x"',
      ],
    ],
    [
      'a Directus secret too short',
      'sources: { directus: { secret: short } }',
      [
        'sources.directus.secret: use a secret of at least 16 characters, e.g. from `openssl rand -hex 32`, found 5 characters',
      ],
    ],
    [
      'a required secret with no example',
      'pods: { discovery: { static: ["http://a:3000"] } }',
      ['pods.token: required: Bearer token the pods expect on /api/revalidate'],
    ],
    [
      'a DNS discovery without a port',
      'pods: { token: t, discovery: { dns: { name: web } } }',
      ['pods.discovery.dns.port: required, e.g. 3000'],
    ],
  ])('%s', (_, text, expected) => {
    expect(problemsOf(text)).toEqual(expected)
  })

  it('says every problem of a file at once, one line each, none hidden by a crash', () => {
    const problems = problemsOf(`
server:
  port: "eighty"
store:
  url: "postgres//db"
sources:
  directus: { secret: short, url: "not a url" }
pods:
  token: \${REVALIDATE_TOKEN}
  discovery: { static: ["not a url"] }
cdn:
  cloudfront: [{ tags: yes }]
`)
    expect(problems.map((p) => p.slice(0, p.indexOf(':', p.indexOf(' ') - 1)))).toEqual([
      'server.port',
      'store.url',
      'sources.directus.secret',
      'sources.directus.url',
      'pods.token',
      'pods.discovery.static[0]',
      'cdn.cloudfront[0].distributionId',
      'cdn.cloudfront[0].tags',
    ])
    expect(problems[4]).toContain('environment variable REVALIDATE_TOKEN is not set')
    for (const line of problems) expect(line).not.toContain('\n')
  })

  it('the CLI prints them and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-config-cli-'))
    try {
      writeFileSync(
        join(dir, 'freshet.yaml'),
        'cdn: { cloudfront: {} }\npods: { token: t, discovery: { static: [x] } }\n',
      )
      const cli = fileURLToPath(new URL('../../bin/freshet.js', import.meta.url))
      const run = spawnSync(process.execPath, [cli, 'serve'], { cwd: dir, encoding: 'utf8' })
      expect(run.status).toBe(2)
      expect(run.stderr).toContain('pods.discovery.static[0]: expected a URL')
      expect(run.stderr).toContain('cdn.cloudfront.distributionId: required, e.g. E2ABCDEF123456')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('config: which file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-config-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, port: number) => {
    writeFileSync(join(dir, name), `server: { port: ${port} }\n`)
    return join(dir, name)
  }

  it('--config wins over FRESHET_CONFIG, which wins over ./freshet.yaml', () => {
    const flag = write('flag.yaml', 1001)
    write('env.yaml', 1002)
    write('freshet.yaml', 1003)
    const env = { FRESHET_CONFIG: 'env.yaml' }
    expect(load('flag.yaml', env, dir)).toMatchObject({
      file: flag,
      config: { server: { port: 1001 } },
    })
    expect(load(undefined, env, dir).config.server.port).toBe(1002)
    expect(load(undefined, {}, dir).config.server.port).toBe(1003)
  })

  it('without any file, runs on defaults; a named file that is missing is an error', () => {
    const empty = mkdtempSync(join(dir, 'empty-'))
    expect(findConfigFile(undefined, {} as NodeJS.ProcessEnv, empty)).toBeUndefined()
    const { config, file } = load(undefined, {}, empty)
    expect(file).toBeUndefined()
    expect(config.server.port).toBe(8787)
    expect(config.sources).toEqual({})
    expect(() => load('missing.yaml', {}, empty)).toThrow(/cannot read the file/)
    expect(() => load(undefined, { FRESHET_CONFIG: 'missing.yaml' }, empty)).toThrow(ConfigError)
  })
})
