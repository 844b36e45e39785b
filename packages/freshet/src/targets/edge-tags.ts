import { z } from 'zod'

/**
 * One switch, the same on every target: the site tags its pages with `@freshet/next`'s
 * `layerTagHeaders`, which spells one list for every layer's header (Cache-Tag, Surrogate-Key,
 * Edge-Cache-Tag, xkey, CloudFront's), so every layer is purged with that spelling (through the
 * target's `edgeTag` where its header narrows it further: Akamai).
 */
export const edgeTagsOption = z
  .boolean()
  .default(false)
  .describe(
    'The site sends tags with @freshet/next layerTagHeaders: purge each as it spells them (lower-case, long ones hashed) and its bucket (over 50 tags an object). Two purge items a tag (on CloudFront, two billed paths).',
  )
