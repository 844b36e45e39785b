import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    expect(problems[0]).toMatch(/^server\.port: .*expected number, received string/)
    expect(problems[1]).toMatch(/^pods\.concurrency: .*>=\s*1/)
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
      /^cdn\.cloudfront\.0: unknown key "distributionID"/,
    ],
  ])('refuses an unknown key %s', (_, text, expected) => {
    expect(problemsOf(text)).toEqual([expect.stringMatching(expected)])
  })

  it('reports YAML syntax errors and duplicate keys as YAML problems', () => {
    expect(problemsOf('server:\n  port: [1, 2\n')[0]).toMatch(/^YAML: /)
    expect(problemsOf('server: { port: 1 }\nserver: { port: 2 }\n')[0]).toMatch(
      /^YAML: .*[Uu]nique|duplicate/i,
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
