/**
 * Planning for one changed component in a synthetic Directus graph of 100,000 items: the
 * component is four levels below the pages (c0 ← l1 ← l2 ← l3 ← pages, many-to-one), about 20
 * parents per item, and the emulator answers each request in 10 ms. Reports the CMS requests the
 * planner made and the wall time. Goal: requests ≤ depth × collections touched (+1 for
 * `GET /relations`). Run: `node bench/planning.ts`.
 */
import { createDirectusEmulator } from '../packages/emulators/src/directus.ts'
import { routesConfig } from '../packages/freshet/src/core/routes.ts'
import { createPlanner } from '../packages/freshet/src/planner/index.ts'
import { routeIndexMigration } from '../packages/freshet/src/planner/route-index.ts'
import { openPglite } from '../packages/freshet/src/store/pglite.ts'

const TOTAL = 100_000
const FAN_OUT = 20
const DELAY_MS = 10
const LEVELS = ['c0', 'l1', 'l2', 'l3', 'pages'] as const

function buildGraph() {
  const cms = createDirectusEmulator({ token: 'bench', delayMs: DELAY_MS })
  const sizes = [1, FAN_OUT, FAN_OUT ** 2, FAN_OUT ** 3]
  sizes.push(TOTAL - sizes.reduce((a, b) => a + b, 0))
  LEVELS.forEach((name, level) => {
    const below = LEVELS[level - 1]
    if (below) cms.graph.relate({ collection: name, field: 'child', related_collection: below })
    const belowSize = sizes[level - 1] ?? 0
    const perChild = level === LEVELS.length - 1 ? (sizes[level] ?? 0) / belowSize : FAN_OUT
    for (let i = 1; i <= (sizes[level] ?? 0); i++) {
      // Item i references child ceil(i / fan-out): each child has ~20 parents.
      const child = below ? Math.min(belowSize, Math.ceil(i / perChild)) : undefined
      cms.graph.set(name, { id: i, slug: `${name}-${i}`, ...(child ? { child } : {}) })
    }
  })
  return { cms, sizes }
}

const rules = routesConfig.parse([
  { collection: 'pages', paths: ['/p/{slug}'], tags: ['page:{id}'] },
])
const change = {
  kind: 'item',
  source: 'directus',
  collection: 'c0',
  id: '1',
  action: 'update',
} as const

async function run(label: string, searchMethod: boolean, write: boolean) {
  const { cms, sizes } = buildGraph()
  const url = await cms.listen()
  const db = await openPglite()
  await db.exec(routeIndexMigration.sql)
  const planner = createPlanner({
    rules,
    db,
    directus: { url, token: 'bench', searchMethod },
    depthLimit: 5,
  })
  const started = performance.now()
  const plan = write ? await planner.plan([change]) : await planner.simulate([change])
  const wallMs = performance.now() - started
  const requests = cms.requests.length
  await cms.close()
  await db.close()
  const depth = LEVELS.length - 1
  return {
    label,
    items: sizes.reduce((a, b) => a + b, 0),
    requests,
    goal: depth * 1 + 1,
    paths: plan.paths.length,
    wallMs,
  }
}

const rows = [
  await run('simulate, SEARCH for long id lists', true, false),
  await run('simulate, GET split under 6,000 chars', false, false),
  await run('plan (writes the route index, PGlite)', true, true),
]
console.log(
  `one changed component, ${LEVELS.length - 1} levels, ~${FAN_OUT} parents per item, CMS answering in ${DELAY_MS} ms\n`,
)
console.log(
  '| run | items | CMS requests | goal (depth × collections + /relations) | paths | wall ms |',
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.items.toLocaleString('en')} | ${r.requests} | ${r.goal} | ${r.paths.toLocaleString('en')} | ${Math.round(r.wallMs).toLocaleString('en')} |`,
  )
}

// Everything measured is closed; end without waiting on idle keep-alive timers.
process.exit(0)
