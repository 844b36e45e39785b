/**
 * A page-builder space for the parents walk: `count` components (`cta`), each in one section
 * (5 per section, `items`: an array of links), each section on one page (`sections`) and also
 * featured by a `promo` (`featured`: one link) that a page embeds. Used by the test and bench.
 */
import { createContentfulEmulator } from '../../../../emulators/src/contentful.ts'
import { defaultCmsRetry } from '../../planner/cms-http.ts'
import { contentfulApi } from './api.ts'

export const BUILDER = { spaceId: 'builder', environment: 'master', accessToken: 'cda' }

export function builderSpace(
  count: number,
  options: { richText?: boolean; delayMs?: number } = {},
) {
  const cms = createContentfulEmulator({ ...BUILDER, delayMs: options.delayMs ?? 0 })
  const g = cms.graph
  const en = (value: unknown) => ({ 'en-US': value })
  for (let i = 0; i < count; i++) g.publishEntry(`cta${i}`, 'cta', { label: en(`CTA ${i}`) })
  const sections = Math.ceil(count / 5)
  for (let s = 0; s < sections; s++) {
    const items = Array.from({ length: 5 }, (_, k) => s * 5 + k)
      .filter((i) => i < count)
      .map((i) => g.link(`cta${i}`))
    g.publishEntry(`section${s}`, 'section', { items: en(items) })
    g.publishEntry(`promo${s}`, 'promo', { featured: en(g.link(`cta${s * 5}`)) })
    g.publishEntry(`page${s}`, 'page', {
      slug: en(`page-${s}`),
      sections: en([g.link(`section${s}`)]),
      promo: en(g.link(`promo${s}`)),
      ...(options.richText ? { intro: en({ nodeType: 'document', content: [] }) } : {}),
    })
  }
  return cms
}

export async function builderApi(cms: ReturnType<typeof builderSpace>) {
  const host = await cms.listen()
  return contentfulApi({ ...BUILDER, host, fetch: globalThis.fetch, retry: defaultCmsRetry })
}
