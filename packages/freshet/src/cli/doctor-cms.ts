/**
 * `freshet doctor`'s Contentful check: the delivery token reads the space and environment, as
 * the planner will. (Directus: doctor-directus.ts.)
 */
import type { Config } from '../config/schema.ts'
import type { Check } from './doctor-directus.ts'

export type { Check } from './doctor-directus.ts'
export { directusChecks } from './doctor-directus.ts'

export function contentfulChecks(config: Config): Check[] {
  const contentful = config.sources.contentful
  if (!contentful) return []
  const api = config.planner.contentful
  const host = (
    api.host ??
    (api.api === 'preview' ? 'https://preview.contentful.com' : 'https://cdn.contentful.com')
  ).replace(/\/+$/, '')
  return [
    {
      name: 'contentful',
      async run(signal) {
        if (!contentful.spaceId)
          throw new Error(
            'sources.contentful.spaceId is not set: freshet reads entries (parents, old URLs, reconciliation) from that space; set it, e.g. spaceId: abc123 (Settings → General settings)',
          )
        if (!contentful.accessToken)
          throw new Error(
            'sources.contentful.accessToken is not set: give a Content Delivery API token of the space',
          )
        const where = `space ${contentful.spaceId}, environment ${contentful.environment}`
        const url = `${host}/spaces/${contentful.spaceId}/environments/${contentful.environment}/entries?limit=1`
        const response = await fetch(url, {
          signal,
          headers: { authorization: `Bearer ${contentful.accessToken}` },
        }).catch((error: Error & { cause?: { code?: string } }) => {
          throw new Error(
            `cannot reach ${host} (${error.cause?.code ?? error.message}): check planner.contentful.host and the network`,
          )
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
          throw new Error(
            `the Delivery API answered ${response.status} for ${where}: check planner.contentful.host and api (delivery or preview, with the matching token)`,
          )
        return `the delivery token reads ${where}`
      },
    },
  ]
}
