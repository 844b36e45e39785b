/**
 * `freshet doctor`'s Directus checks, with the configured token, exactly what freshet will read:
 * the token is accepted and may read `directus_relations`, every routed collection, every
 * collection related to them, and every junction behind their relational fields.
 *
 * Directus 12 lists only the relations whose collections the token may read, so a junction left
 * out of the policy is invisible in `/relations`, not forbidden. The routed collections' fields
 * (`/fields/<collection>`) still show the many-to-many, many-to-any and one-to-many alias
 * fields: one with no visible relation has a junction (or related collection) the token cannot
 * read.
 */
import type { Config } from '../config/schema.ts'

export interface Check {
  name: string
  run(signal: AbortSignal): Promise<string>
}

const POLICY =
  "to the policy of the token's user (Settings → Access Policies; packages/freshet/docs/sources.md)"

interface Relation {
  collection: string
  field: string
  related_collection: string | null
  meta?: { junction_field?: string | null; one_field?: string | null } | null
}

interface Field {
  field: string
  meta?: { special?: string[] | string | null; interface?: string | null } | null
}

/** `m2m`, `m2a` or `o2m` for an alias field that walks to other collections, else undefined. */
export function relationalKind(field: Field): string | undefined {
  const special = field.meta?.special
  const specials = Array.isArray(special) ? special : special ? String(special).split(',') : []
  const kind = ['m2m', 'm2a', 'o2m'].find((k) => specials.includes(k))
  if (kind) return kind
  return { 'list-m2m': 'm2m', 'list-m2a': 'm2a', 'list-o2m': 'o2m' }[field.meta?.interface ?? '']
}

export function directusChecks(config: Config): Check[] {
  const directus = config.sources.directus
  if (!directus) return []
  if (!directus.url)
    return [
      missingCheck(
        'directus url',
        'sources.directus.url is not set: freshet cannot read items and relations (parents, old URLs, reconciliation); set it to the Directus API, e.g. https://cms.example.com',
      ),
    ]
  const base = directus.url.replace(/\/+$/, '')
  const get = (path: string, signal: AbortSignal) =>
    fetch(`${base}${path}`, {
      signal,
      headers: directus.token ? { authorization: `Bearer ${directus.token}` } : {},
    }).catch((error: Error & { cause?: { code?: string } }) => {
      if (signal.aborted) throw new Error(`${base} did not answer in time: is it up?`)
      throw new Error(
        `cannot reach ${base} (${error.cause?.code ?? error.message}): check sources.directus.url and that Directus runs there`,
      )
    })
  const other = (path: string, status: number) =>
    new Error(
      `GET ${base}${path} answered ${status}: check that sources.directus.url is the Directus API (not the Data Studio's /admin) and see Directus's log`,
    )
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
            `the token is accepted but may not read directus_relations (403): add read on directus_relations ${POLICY}`,
          )
        if (!response.ok) throw other('/relations', response.status)
        relations = ((await response.json()) as { data: Relation[] }).data
        return `${base} accepts the token; it may read directus_relations (${relations.length} relations)`
      },
    },
  ]
  for (const collection of routed) checks.push(readCheck(collection))
  checks.push(relatedCheck(), junctionCheck())
  return checks

  async function readable(collection: string, signal: AbortSignal): Promise<number> {
    return (await get(`/items/${encodeURIComponent(collection)}?limit=1`, signal)).status
  }

  function readCheck(collection: string): Check {
    return {
      name: `directus ${collection}`,
      async run(signal) {
        const status = await readable(collection, signal)
        if (status === 401)
          throw new Error(
            `${base} does not accept sources.directus.token (401): give the static token of the user freshet reads as`,
          )
        if (status === 403)
          throw new Error(
            `the token may not read ${collection} (403; or it does not exist): add read on ${collection} ${POLICY}`,
          )
        if (status >= 300) throw other(`/items/${collection}`, status)
        return `may read ${collection} (routed collection)`
      },
    }
  }

  function relatedCheck(): Check {
    return {
      name: 'directus related collections',
      async run(signal) {
        if (!relations) throw new Error('needs read on directus_relations (see above)')
        const walked = walkedCollections(relations, new Set(routed))
        const refused: string[] = []
        for (const collection of walked) {
          const status = await readable(collection, signal)
          if (status >= 300) refused.push(`${collection} (${status})`)
        }
        if (refused.length > 0)
          throw new Error(
            `the token may not read ${refused.join(', ')}, which the parents walk reads: add read on each ${POLICY}`,
          )
        return walked.length === 0
          ? 'no collections related to the routed ones'
          : `may read ${walked.join(', ')} (junctions, embedding and related collections)`
      },
    }
  }

  function junctionCheck(): Check {
    return {
      name: 'directus junctions',
      async run(signal) {
        if (!relations) throw new Error('needs read on directus_relations (see above)')
        const seen: string[] = []
        const hidden: string[] = []
        for (const collection of routed) {
          const response = await get(`/fields/${encodeURIComponent(collection)}`, signal)
          if (response.status === 403)
            throw new Error(
              `the token may not read the fields of ${collection} (403): add read on directus_fields (System Collections → Fields) ${POLICY}; doctor needs it to find the junctions that /relations hides`,
            )
          if (!response.ok) throw other(`/fields/${collection}`, response.status)
          const fields = ((await response.json()) as { data: Field[] }).data
          for (const field of fields) {
            const kind = relationalKind(field)
            if (!kind) continue
            const name = `${collection}.${field.field}`
            const problem = junctionProblem(relations, collection, field.field, kind)
            if (problem) hidden.push(`${name} (${kind}): ${problem}`)
            else seen.push(name)
          }
        }
        if (hidden.length > 0)
          throw new Error(
            `${hidden.join('; ')}. Directus hides a relation whose collections the token may not read: add read on them ${POLICY}`,
          )
        return seen.length === 0
          ? 'the routed collections have no many-to-many, many-to-any or one-to-many fields'
          : `every relational field's junction is readable: ${seen.join(', ')}`
      },
    }
  }
}

/**
 * Why the alias field `collection.field` cannot be walked with the relations the token sees, or
 * undefined. Its own relation (the junction's field pointing back, whose `one_field` is it) is
 * visible only when the token may read the junction; for m2m and m2a, the junction's other
 * relation only when it may read what the junction links to.
 */
export function junctionProblem(
  relations: readonly Relation[],
  collection: string,
  field: string,
  kind: string,
): string | undefined {
  const own = relations.find(
    (r) => r.related_collection === collection && r.meta?.one_field === field,
  )
  if (!own)
    return kind === 'o2m'
      ? `no visible relation: the collection it lists is not readable (read on the collection named in Settings → Data Model → ${collection} → ${field})`
      : `no visible relation: its junction collection is not readable (read on the junction named in Settings → Data Model → ${collection} → ${field}, and on what it links to)`
  if (kind === 'o2m') return undefined
  const junction = own.collection
  const through = own.meta?.junction_field
  const other = relations.find((r) => r.collection === junction && r.field === through)
  if (!other)
    return `the junction ${junction} is readable, but not what ${junction}.${through ?? '?'} links to (read on that collection${kind === 'm2a' ? ', on every one it allows' : ''})`
  return undefined
}

function missingCheck(name: string, fix: string): Check {
  return {
    name,
    run: async () => {
      throw new Error(fix)
    },
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
