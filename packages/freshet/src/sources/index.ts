import type { Config } from '../config/schema.ts'
import { contentfulSource } from './contentful/webhook.ts'
import { directusSource } from './directus/webhook.ts'
import { genericSource } from './generic.ts'
import type { Source } from './types.ts'

/** The configured webhook sources, by the name in their URL (`/hooks/<name>`). */
export function createSources(config: Config['sources']): Map<string, Source> {
  const sources = new Map<string, Source>()
  if (config.generic) sources.set('generic', genericSource(config.generic))
  if (config.directus) sources.set('directus', directusSource({ secret: config.directus.secret }))
  if (config.contentful) sources.set('contentful', contentfulSource(config.contentful))
  return sources
}
