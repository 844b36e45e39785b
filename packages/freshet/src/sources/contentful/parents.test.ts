import { afterEach, describe, expect, it } from 'vitest'
import { builderApi, builderSpace } from './parents.fixture.ts'
import { findContentfulParents, linkFields } from './parents.ts'

let cms: ReturnType<typeof builderSpace> | undefined
afterEach(() => cms?.close())

const components = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ collection: 'cta', id: `cta${i}` }))

async function walk(byField: boolean, n: number, richText = false) {
  cms = builderSpace(n, { richText })
  const api = await builderApi(cms)
  cms.requests.length = 0
  const found = await findContentfulParents(components(n), {
    api,
    isRouted: (type) => type === 'page',
    depthLimit: 5,
    throughRoutedItems: false,
    byField,
  })
  const requests = cms.requests.length
  await cms.close()
  cms = undefined
  const parents = found.parents.map((p) => `${p.chain}`).sort()
  return { parents, notes: found.notes, requests }
}

describe('Contentful parents for many ids', () => {
  it('finds the same pages, by the same chains, in fewer requests than one per id', async () => {
    const one = await walk(false, 50)
    const many = await walk(true, 50)
    expect(many.parents).toEqual(one.parents)
    expect(many.notes).toEqual(one.notes)
    expect(many.parents).toHaveLength(10) // every page, each through the first component found
    expect(one.requests).toBe(50 + 10 + 10) // 50 components, then 10 sections and 10 promos
    // The model, then per level one query per link field: 4 fields, 2 levels.
    expect(many.requests).toBeLessThan(one.requests / 5)
  })

  it('keeps to one id per request where a field search could miss a link (Rich Text)', async () => {
    const one = await walk(false, 20, true)
    const many = await walk(true, 20, true)
    expect(many.parents).toEqual(one.parents)
    expect(many.requests).toBe(one.requests + 1) // and the model it read to know
  })

  it('reads link fields from the model, refusing localized links and Rich Text', () => {
    const type = (id: string, fields: object[]) => ({ sys: { id }, fields }) as never
    const model = [
      type('page', [
        { id: 'slug', type: 'Symbol', localized: true },
        { id: 'hero', type: 'Link', linkType: 'Asset' },
        { id: 'blocks', type: 'Array', items: { type: 'Link', linkType: 'Entry' } },
      ]),
    ]
    expect(linkFields(model, 'entry')).toEqual([{ contentType: 'page', field: 'blocks' }])
    expect(linkFields(model, 'asset')).toEqual([{ contentType: 'page', field: 'hero' }])
    const localized = [
      type('page', [{ id: 'hero', type: 'Link', linkType: 'Asset', localized: true }]),
    ]
    expect(linkFields(localized, 'asset')).toBeUndefined()
    expect(linkFields([type('page', [{ id: 'body', type: 'RichText' }])], 'entry')).toBeUndefined()
  })
})
