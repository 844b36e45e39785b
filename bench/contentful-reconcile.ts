/**
 * What Contentful reconciliation costs per run: a space of 2,000 published entries (half of them
 * routed pages), the first sync (seeding the route index), then runs after N entries were
 * republished with no webhook. Reports Sync API requests, items read, events made and the wall
 * time of each run, with the default `reconcile.contentful.pagesPerRun` (10) and the emulator
 * answering each request in 10 ms. Run: `node bench/contentful-reconcile.ts`.
 */
import { createContentfulEmulator } from '../packages/emulators/src/contentful.ts'
import { routesConfig } from '../packages/freshet/src/core/routes.ts'
import { defaultCmsRetry } from '../packages/freshet/src/planner/cms-http.ts'
import { createPlanner } from '../packages/freshet/src/planner/index.ts'
import { reconcileContentful } from '../packages/freshet/src/sources/contentful/reconcile.ts'
import { contentfulSync } from '../packages/freshet/src/sources/contentful/sync.ts'
import { insertEvents } from '../packages/freshet/src/store/events.ts'
import { migrate } from '../packages/freshet/src/store/migrations.ts'
import { openPglite } from '../packages/freshet/src/store/pglite.ts'

const SPACE_SIZE = 2000
const PAGES_PER_RUN = 10

const cms = createContentfulEmulator({ spaceId: 'bench', accessToken: 'cda', delayMs: 10 })
for (let i = 0; i < SPACE_SIZE; i++) {
  const type = i % 2 === 0 ? 'page' : 'cta'
  cms.graph.publishEntry(`e${i}`, type, { slug: { 'en-US': `s${i}` } })
}
const host = await cms.listen()
const db = await openPglite()
await migrate(db)
const rules = routesConfig.parse([{ collection: 'page', source: 'contentful', paths: ['/{slug}'] }])
const planner = createPlanner({ rules, db })
const sync = contentfulSync({
  spaceId: 'bench',
  environment: 'master',
  accessToken: 'cda',
  host,
  fetch,
  retry: defaultCmsRetry,
})

async function run(label: string) {
  const started = performance.now()
  const report = await reconcileContentful({
    sync,
    db,
    rules,
    pagesPerRun: PAGES_PER_RUN,
    now: () => new Date(),
    accept: async (event) =>
      (await insertEvents(db, [event]))[0] ?? { id: event.id, duplicate: true },
    seed: planner.seed,
  })
  const ms = Math.round(performance.now() - started)
  const { requests, items, seeded, caughtUp } = report
  console.log(
    `${label.padEnd(34)} requests ${String(requests).padStart(3)}  items ${String(items).padStart(5)}  seeded ${String(seeded).padStart(5)}  events ${String(report.events.length).padStart(5)}  caught up ${caughtUp ? 'yes' : 'no '}  ${ms} ms`,
  )
}

await run('first sync, run 1')
await run('first sync, run 2')
await run('nothing changed')
for (const n of [1, 10, 100, 500]) {
  for (let i = 0; i < n; i++)
    cms.graph.publishEntry(`e${i}`, i % 2 === 0 ? 'page' : 'cta', { slug: { 'en-US': `t${i}` } })
  await run(`${n} republished, no webhook`)
}
for (let i = 0; i < 1500; i++)
  cms.graph.publishEntry(`e${i}`, i % 2 === 0 ? 'page' : 'cta', { slug: { 'en-US': `u${i}` } })
await run('1500 republished, run 1')
await run('1500 republished, run 2')
await cms.close()
await db.close()
