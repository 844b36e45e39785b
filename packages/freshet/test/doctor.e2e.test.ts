import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type CloudFrontEmulator, startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { createContentfulEmulator } from '@freshet/emulators/contentful'
import { createDirectusEmulator } from '@freshet/emulators/directus'
import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'

const BIN = fileURLToPath(new URL('../bin/freshet.js', import.meta.url))
const DIRECTUS_TOKEN = 'directus-reader-token'
const POD_TOKEN = 'pod-token'
const DISTRIBUTION = 'E2DOCTOR000001'

/** What the Directus reader may read, as a Directus 12 policy gives it. */
const ALL = ['directus_relations', 'articles', 'articles_tags', 'tags', 'categories']

function directus(read: readonly string[]) {
  const cms = createDirectusEmulator({ token: DIRECTUS_TOKEN, permissions: { read } })
  const g = cms.graph
  g.relate({ collection: 'articles', field: 'category', related_collection: 'categories' })
  g.relate({
    collection: 'articles_tags',
    field: 'articles_id',
    related_collection: 'articles',
    meta: { one_field: 'tags', junction_field: 'tags_id' },
  })
  g.relate({
    collection: 'articles_tags',
    field: 'tags_id',
    related_collection: 'tags',
    meta: { junction_field: 'articles_id' },
  })
  g.relate({ collection: 'articles', field: 'user_created', related_collection: 'directus_users' })
  for (const name of ['articles', 'articles_tags', 'tags', 'categories']) g.set(name, { id: 1 })
  return cms
}

function doctor(config: unknown, env: Record<string, string> = {}) {
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
const line = (lines: string[], name: string) => {
  const found = lines.find((l) => l.slice(2).startsWith(`${name}: `))
  return found && `${found.slice(0, 1)} ${found.slice(name.length + 4)}`
}

describe('freshet doctor', () => {
  let cloudfront: CloudFrontEmulator
  let pods: TestPod[]
  const closers: (() => Promise<void>)[] = []
  let env: Record<string, string>

  async function serveDirectus(read: readonly string[]) {
    const cms = directus(read)
    const url = await cms.listen()
    closers.push(cms.close)
    return url
  }

  beforeAll(async () => {
    cloudfront = await startCloudFrontEmulator({ distributions: [DISTRIBUTION] })
    pods = await Promise.all([1, 2].map(() => startTestPod({ token: POD_TOKEN })))
    env = {
      AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
      AWS_ACCESS_KEY_ID: 'doctor',
      AWS_SECRET_ACCESS_KEY: 'doctor',
    }
  })
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()))
    await Promise.all(pods?.map((p) => p.close()) ?? [])
    await cloudfront?.close()
  })

  const configFor = (directusUrl: string, overrides: Record<string, unknown> = {}) => ({
    server: { adminToken: 'admin' },
    store: { dir: join(tmpdir(), `freshet-doctor-store-${process.pid}`) },
    sources: {
      directus: { secret: 'x'.repeat(32), url: directusUrl, token: DIRECTUS_TOKEN },
    },
    routes: [{ collection: 'articles', paths: ['/articles/{slug}'] }],
    pods: { token: POD_TOKEN, discovery: { static: pods.map((p) => p.url) } },
    cdn: { cloudfront: { distributionId: DISTRIBUTION } },
    ...overrides,
  })

  it('passes, exit 0, when every credential may do what freshet will do', async () => {
    const run = await doctor(configFor(await serveDirectus(ALL)), env)
    expect(run.lines.filter((l) => !l.startsWith('✓'))).toEqual([])
    expect(run.code).toBe(0)
    expect(line(run.lines, 'directus related collections')).toContain(
      'may read articles_tags, categories, tags',
    )
    expect(line(run.lines, 'pods')).toContain('2 pod(s) answer GET /api/revalidate')
    expect(line(run.lines, `cloudfront ${DISTRIBUTION}`)).toContain(
      'may ListInvalidations and GetInvalidation',
    )
  }, 180_000)

  it('names the Directus permission that is missing, as Directus 12 answers 403', async () => {
    const noRelations = await doctor(
      configFor(await serveDirectus(ALL.filter((c) => c !== 'directus_relations'))),
      env,
    )
    expect(noRelations.code).toBe(1)
    expect(line(noRelations.lines, 'directus token')).toMatch(
      /^✗ .*may not read directus_relations \(403\): add read on directus_relations to the policy/,
    )
    const noJunction = await doctor(
      configFor(await serveDirectus(ALL.filter((c) => c !== 'articles_tags'))),
      env,
    )
    expect(noJunction.code).toBe(1)
    expect(line(noJunction.lines, 'directus related collections')).toMatch(
      /^✗ the token may not read articles_tags \(403\), which the parents walk reads: add read on each/,
    )
    const noRouted = await doctor(
      configFor(await serveDirectus(ALL.filter((c) => c !== 'articles'))),
      env,
    )
    expect(line(noRouted.lines, 'directus articles')).toMatch(
      /^✗ the token may not read articles \(403; or it does not exist\): add read on articles/,
    )
  }, 180_000)

  it('says what to fix for a wrong Directus token, pod token, distribution and Contentful token', async () => {
    const contentful = createContentfulEmulator({ spaceId: 'space1', accessToken: 'cda-token' })
    const contentfulUrl = await contentful.listen()
    closers.push(contentful.close)
    const directusUrl = await serveDirectus(ALL)
    const config = configFor(directusUrl, {
      sources: {
        directus: { secret: 'x'.repeat(32), url: directusUrl, token: 'wrong' },
        contentful: {
          signingSecret: 'c'.repeat(64),
          spaceId: 'space1',
          accessToken: 'wrong',
        },
      },
      planner: { contentful: { host: contentfulUrl } },
      pods: { token: 'wrong', discovery: { static: pods.map((p) => p.url) } },
      cdn: { cloudfront: { distributionId: 'E2NOSUCHDIST' } },
    })
    const run = await doctor(config, env)
    expect(run.code).toBe(1)
    expect(line(run.lines, 'directus token')).toMatch(
      /^✗ .* does not accept sources\.directus\.token \(401\)/,
    )
    expect(line(run.lines, 'contentful')).toMatch(
      /^✗ the Delivery API refuses sources\.contentful\.accessToken \(401\)/,
    )
    expect(line(run.lines, 'pods')).toMatch(
      /^✗ 2 of 2 pods fail GET \/api\/revalidate: .*401.*pods\.token must be the pods' REVALIDATE_TOKEN/,
    )
    expect(line(run.lines, 'cloudfront E2NOSUCHDIST')).toMatch(
      /^✗ no distribution E2NOSUCHDIST \(NoSuchDistribution\): check cdn\.cloudfront\.distributionId/,
    )
  }, 180_000)

  it('nothing configured is a ✗, not a ✓: exit 1', async () => {
    const run = await doctor({
      store: { dir: join(tmpdir(), `freshet-doctor-empty-${process.pid}`) },
    })
    expect(run.code).toBe(1)
    expect(line(run.lines, 'sources')).toMatch(/^✗ none configured: add sources\./)
    expect(line(run.lines, 'pods')).toMatch(
      /^✗ not configured: add pods\.token and pods\.discovery/,
    )
    expect(line(run.lines, 'cdn')).toMatch(/^✗ not configured: add cdn\.cloudfront\.distributionId/)
    expect(line(run.lines, 'admin token')).toMatch(/^✗ server\.adminToken is not set/)
  }, 180_000)
})
