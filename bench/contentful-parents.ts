/**
 * Contentful parents for many changed components: `links_to_entry` takes one id, so the walk
 * asked one request per component and per level; by link field (`fields.<f>.sys.id[in]`, 100
 * ids each) it asks one per link field and level, plus the content model once. A page-builder
 * space (components in sections and promos, on pages: see parents.fixture.ts), the emulator
 * answering each request in 10 ms, walks of 10, 50 and 200 changed components. Reports the
 * Delivery API requests and the wall time of each walk, 3 runs each.
 * Run: `node bench/contentful-parents.ts`.
 */
import {
  builderApi,
  builderSpace,
} from '../packages/freshet/src/sources/contentful/parents.fixture.ts'
import { findContentfulParents } from '../packages/freshet/src/sources/contentful/parents.ts'
import { describeMachine } from './lib/machine.ts'

const RUNS = 3
const DELAY_MS = 10

async function once(count: number, byField: boolean) {
  const cms = builderSpace(count, { delayMs: DELAY_MS })
  const api = await builderApi(cms)
  cms.requests.length = 0
  const started = performance.now()
  const found = await findContentfulParents(
    Array.from({ length: count }, (_, i) => ({ collection: 'cta', id: `cta${i}` })),
    { api, isRouted: (t) => t === 'page', depthLimit: 5, throughRoutedItems: false, byField },
  )
  const ms = performance.now() - started
  const requests = cms.requests.length
  await cms.close()
  return { requests, ms, pages: found.parents.length }
}

console.log(`Machine: ${describeMachine()}`)
console.log('| components | one id per request | by link field | pages found |')
console.log('| ---: | --- | --- | ---: |')
for (const count of [10, 50, 200]) {
  const cell = async (byField: boolean) => {
    const runs = []
    for (let r = 0; r < RUNS; r++) runs.push(await once(count, byField))
    const ms = runs.map((x) => Math.round(x.ms))
    return {
      text: `${runs[0]?.requests} requests, ${Math.min(...ms)}–${Math.max(...ms)} ms`,
      pages: runs[0]?.pages,
    }
  }
  const one = await cell(false)
  const many = await cell(true)
  if (one.pages !== many.pages)
    throw new Error(`[bench] ${count}: ${one.pages} vs ${many.pages} pages`)
  console.log(`| ${count} | ${one.text} | ${many.text} | ${many.pages} |`)
}
