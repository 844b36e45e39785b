/**
 * `freshet doctor`'s CMS checks: with the configured credentials, exactly what freshet will read.
 * Directus: the token is accepted, may read `directus_relations`, every routed collection and
 * every collection related to them (junctions, embedding collections: what the parents walk and
 * the routes' fields read). Contentful: the delivery token reads
 * the space and environment.
 */
import type { Config } from '../config/schema.ts'

export interface Check {
  name: string
  run(signal: AbortSignal): Promise<string>
}

const POLICY_FIX =
  "add it to the policy of the token's user (Settings → Access Policies; packages/freshet/docs/sources.md)"

interface Relation {
  collection: string
  field: string
  related_collection: string | null
  meta?: { junction_field?: string | null } | null
}

export function directusChecks(config: Config): Check[] {
  const directus = config.sources.directus
  if (!directus?.url) return []
  const base = directus.url.replace(/\/+$/, '')
  const get = (path: string, signal: AbortSignal) =>
    fetch(`${base}${path}`, {
      signal,
      headers: directus.token ? { authorization: `Bearer ${directus.token}` } : {},
    })
  const routed = [
    ...new Set(
      config.routes.filter((r) => !r.source || r.source === 'directus').map((r) => r.collection),
    ),
  ]
  let relations: Relation[] | undefined
  const checks: Check[] = [
    {
      name: 'directus token',
      async run(signal) {
        if (!directus.token)
          throw new Error(
            'sources.directus.token is not set: freshet reads items and relations with it; create a static token (packages/freshet/docs/sources.md)',
          )
        const response = await get('/relations?limit=-1', signal)
        if (response.status === 401)
          throw new Error(
            `${base} does not accept sources.directus.token (401): give the static token of the user freshet reads as`,
          )
        if (response.status === 403)
          throw new Error(
            `the token is accepted but may not read directus_relations (403): ${POLICY_FIX.replace('it', 'read on directus_relations')}`,
          )
        if (!response.ok) throw new Error(`GET ${base}/relations answered ${response.status}`)
        relations = ((await response.json()) as { data: Relation[] }).data
        return `${base} accepts the token; it may read directus_relations (${relations.length} relations)`
      },
    },
  ]
  for (const collection of routed) checks.push(readCheck(collection, 'routed collection'))
  checks.push({
    name: 'directus related collections',
    async run(signal) {
      if (!relations) throw new Error('needs read on directus_relations (see above)')
      const walked = walkedCollections(relations, new Set(routed))
      const refused: string[] = []
      for (const collection of walked) {
        const response = await get(`/items/${encodeURIComponent(collection)}?limit=1`, signal)
        if (!response.ok) refused.push(`${collection} (${response.status})`)
      }
      if (refused.length > 0)
        throw new Error(
          `the token may not read ${refused.join(', ')}, which the parents walk reads: ${POLICY_FIX.replace('it', 'read on each')}`,
        )
      return walked.length === 0
        ? 'no collections related to the routed ones'
        : `may read ${walked.join(', ')} (junctions, embedding and related collections)`
    },
  })
  return checks

  function readCheck(collection: string, what: string): Check {
    return {
      name: `directus ${collection}`,
      async run(signal) {
        const response = await get(`/items/${encodeURIComponent(collection)}?limit=1`, signal)
        if (response.status === 401)
          throw new Error(`${base} does not accept sources.directus.token (401)`)
        if (response.status === 403)
          throw new Error(
            `the token may not read ${collection} (403; or it does not exist): ${POLICY_FIX.replace('it', `read on ${collection}`)}`,
          )
        if (!response.ok) throw new Error(`GET /items/${collection} answered ${response.status}`)
        return `may read ${collection} (${what})`
      },
    }
  }
}

/**
 * The collections besides the routed ones that freshet reads: every collection linked to a
 * routed one through relations, directly or not: junctions (articles_tags), the collections
 * between an embedded component and its page (sections), and those a route's fields expand
 * (category.slug). Directus's own (`directus_*`) are left out: freshet does not walk them.
 */
export function walkedCollections(
  relations: readonly Relation[],
  routed: ReadonlySet<string>,
): string[] {
  const found = new Set(routed)
  for (let grew = true; grew; ) {
    grew = false
    for (const { collection, related_collection: related } of relations) {
      if (!related || collection.startsWith('directus_') || related.startsWith('directus_'))
        continue
      for (const [from, to] of [
        [collection, related],
        [related, collection],
      ] as const) {
        if (found.has(from) && !found.has(to)) {
          found.add(to)
          grew = true
        }
      }
    }
  }
  return [...found].filter((c) => !routed.has(c)).sort()
}

export function contentfulChecks(config: Config): Check[] {
  const contentful = config.sources.contentful
  if (!contentful?.spaceId) return []
  const api = config.planner.contentful
  const host =
    api.host ??
    (api.api === 'preview' ? 'https://preview.contentful.com' : 'https://cdn.contentful.com')
  return [
    {
      name: 'contentful',
      async run(signal) {
        if (!contentful.accessToken)
          throw new Error(
            'sources.contentful.accessToken is not set: give a Content Delivery API token of the space',
          )
        const where = `space ${contentful.spaceId}, environment ${contentful.environment}`
        const url = `${host.replace(/\/+$/, '')}/spaces/${contentful.spaceId}/environments/${contentful.environment}/entries?limit=1`
        const response = await fetch(url, {
          signal,
          headers: { authorization: `Bearer ${contentful.accessToken}` },
        })
        if (response.status === 401)
          throw new Error(
            `the Delivery API refuses sources.contentful.accessToken (401): give a Content Delivery API token with access to ${where} (Settings → API keys)`,
          )
        if (response.status === 404)
          throw new Error(
            `${where} not found (404): check sources.contentful.spaceId and environment, and that the API key covers that environment`,
          )
        if (!response.ok)
          throw new Error(`the Delivery API answered ${response.status} for ${where}`)
        return `the delivery token reads ${where}`
      },
    },
  ]
}
