import type { Config } from '../config/schema.ts'
import type { Db } from '../store/db.ts'
import { storeSignatureLedger } from '../store/seen-signatures.ts'
import { contentfulSource } from './contentful/webhook.ts'
import { directusSource } from './directus/webhook.ts'
import { genericSource } from './generic.ts'
import type { Source } from './types.ts'

/**
 * The configured webhook sources, by the name in their URL (`/hooks/<name>`). With a store,
 * Contentful's accepted signatures are recorded there (replays refused across restarts and
 * replicas); without one, in this process's memory.
 */
export function createSources(config: Config['sources'], db?: Db): Map<string, Source> {
  const sources = new Map<string, Source>()
  if (config.generic) sources.set('generic', genericSource(config.generic))
  if (config.directus) sources.set('directus', directusSource({ secret: config.directus.secret }))
  if (config.contentful) {
    const firstSeen = db ? storeSignatureLedger(db, 'contentful') : undefined
    sources.set(
      'contentful',
      contentfulSource({ ...config.contentful, ...(firstSeen ? { firstSeen } : {}) }),
    )
  }
  return sources
}
