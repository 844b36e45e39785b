import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CloudFrontEmulator, startCloudFrontEmulator } from '@freshet/emulators/cloudfront'
import { createContentfulEmulator } from '@freshet/emulators/contentful'
import { createDirectusEmulator } from '@freshet/emulators/directus'
import { startTestPod, type TestPod } from '@freshet/emulators/pods'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { doctor, line } from './doctor-run.ts'
import { freePort } from './process.ts'

const DIRECTUS_TOKEN = 'directus-reader-token'
const POD_TOKEN = 'pod-token'
const DISTRIBUTION = 'E2DOCTOR000001'

/** What the Directus reader may read, as a Directus 12 policy gives it. */
const ALL = [
  'directus_relations',
  'directus_fields',
  'articles',
  'articles_tags',
  'tags',
  'categories',
]

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
  g.field('articles', 'tags', { special: ['m2m'], interface: 'list-m2m' })
  for (const name of ['articles', 'articles_tags', 'tags', 'categories']) g.set(name, { id: 1 })
  return cms
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
    expect(line(run.lines, 'directus junctions')).toBe(
      "✓ every relational field's junction is readable: articles.tags",
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
    // As Directus 12: the junction's relations are left out of /relations, not refused...
    expect(line(noJunction.lines, 'directus related collections')).toBe(
      '✓ may read categories (junctions, embedding and related collections)',
    )
    // ...but the m2m field on the routed collection is still there, with no relation behind it.
    expect(line(noJunction.lines, 'directus junctions')).toMatch(
      /^✗ articles\.tags \(m2m\): no visible relation: its junction collection is not readable \(read on the junction named in Settings → Data Model → articles → tags, and on what it links to\)\. .*add read on them to the policy/,
    )
    const noTags = await doctor(
      configFor(await serveDirectus(ALL.filter((c) => c !== 'tags'))),
      env,
    )
    expect(line(noTags.lines, 'directus junctions')).toMatch(
      /^✗ articles\.tags \(m2m\): the junction articles_tags is readable, but not what articles_tags\.tags_id links to/,
    )
    const noFields = await doctor(
      configFor(await serveDirectus(ALL.filter((c) => c !== 'directus_fields'))),
      env,
    )
    expect(line(noFields.lines, 'directus junctions')).toMatch(
      /^✗ the token may not read the fields of articles \(403\): add read on directus_fields/,
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

  it('every ✗ ends with the fix: no pods found, a pod that is down, Directus failing, no url, no spaceId, CloudFront unreachable', async () => {
    const cms = directus(ALL)
    const directusUrl = await cms.listen()
    closers.push(cms.close)
    cms.failNext(...Array(8).fill(500))
    const down = `http://127.0.0.1:${await freePort()}`
    const run = await doctor(
      configFor(directusUrl, {
        pods: { token: POD_TOKEN, discovery: { dns: { name: 'no-such-web.invalid', port: 3000 } } },
      }),
      { ...env, AWS_ENDPOINT_URL_CLOUDFRONT: down },
    )
    expect(run.code).toBe(1)
    expect(line(run.lines, 'pods')).toMatch(
      /^✗ discovery found no pods: no-such-web\.invalid resolves to no address; check pods\.discovery\.dns\.name/,
    )
    expect(line(run.lines, 'directus token')).toMatch(
      /^✗ GET .*\/relations answered 500: check that sources\.directus\.url is the Directus API/,
    )
    expect(line(run.lines, `cloudfront ${DISTRIBUTION}`)).toMatch(
      new RegExp(
        `: AWS_ENDPOINT_URL_CLOUDFRONT is ${down}; check that CloudFront \\(or its emulator\\) answers there$`,
      ),
    )
    const podDown = await doctor(
      configFor(directusUrl, { pods: { token: POD_TOKEN, discovery: { static: [down] } } }),
      env,
    )
    expect(line(podDown.lines, 'pods')).toMatch(
      /^✗ 1 of 1 pods fail GET \/api\/revalidate: .*; is the pod running, and reachable from here at that address\?$/,
    )
    const half = await doctor(
      configFor(directusUrl, {
        sources: {
          directus: { secret: 'x'.repeat(32) },
          contentful: { signingSecret: 'c'.repeat(64) },
        },
      }),
      env,
    )
    expect(line(half.lines, 'directus url')).toMatch(
      /^✗ sources\.directus\.url is not set: .*set it to the Directus API, e\.g\. https:\/\/cms\.example\.com$/,
    )
    expect(line(half.lines, 'contentful')).toMatch(
      /^✗ sources\.contentful\.spaceId is not set: .*set it, e\.g\. spaceId: abc123/,
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
    expect(line(run.lines, 'cdn')).toMatch(
      /^✗ not configured: add a cache layer, e\.g\. cdn\.cloudfront\.distributionId: E2ABCDEF123456 \(or cdn\.varnish, cloudflare, fastly, akamai\)$/,
    )
    expect(line(run.lines, 'admin token')).toMatch(/^✗ server\.adminToken is not set/)
  }, 180_000)
})
