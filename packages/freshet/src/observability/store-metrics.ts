import { Gauge, type Registry } from 'prom-client'
import { FREE_PATHS_PER_MONTH, monthOf, monthRange } from '../store/billing.ts'
import type { Db } from '../store/db.ts'
import { type Backlog, backlogAges, pathsSentSince } from '../store/observed.ts'

/**
 * Gauges read from the store at each scrape: what an alert on "work older than N minutes" and
 * "the month's paths nearing a budget" needs, whichever replica did the work. A scrape that
 * cannot reach the store keeps the last values (readiness reports the store).
 */
export function observeStore(
  registry: Registry,
  db: Db,
  now: () => Date,
  pathBudgets: Record<string, number> = {},
) {
  const registers = [registry]
  // Both age gauges come from one statement per scrape.
  let ages: { at: number; value: Promise<Backlog | undefined> } | undefined
  const backlog = () => {
    if (!ages || Date.now() - ages.at > 1000)
      ages = { at: Date.now(), value: backlogAges(db, now()).catch(() => undefined) }
    return ages.value
  }
  new Gauge({
    name: 'freshet_backlog_oldest_event_age_seconds',
    help: 'Age of the oldest event accepted and not yet in a batch (0 when none waits).',
    registers,
    async collect() {
      const ages = await backlog()
      if (ages) this.set(ages.waitingSeconds)
    },
  })
  new Gauge({
    name: 'freshet_oldest_unfinished_event_age_seconds',
    help: 'Age of the oldest event not yet completed or failed (0 when none).',
    registers,
    async collect() {
      const ages = await backlog()
      if (ages) this.set(ages.unfinishedSeconds)
    },
  })
  new Gauge({
    name: 'freshet_cloudfront_month_paths',
    help: 'Paths (a wildcard or #tag counts one) sent to each distribution this calendar month (UTC), by every replica; CloudFront bills past the free ones.',
    labelNames: ['distribution'],
    registers,
    async collect() {
      const range = monthRange(monthOf(now()))
      if (!range) return
      const sent = await pathsSentSince(db, range.from).catch(() => undefined)
      if (!sent) return
      this.reset()
      for (const [distribution, paths] of sent) this.set({ distribution }, paths)
    },
  })
  new Gauge({
    name: 'freshet_cloudfront_month_free_paths',
    help: 'Paths CloudFront invalidates free per distribution per month.',
    registers,
  }).set(FREE_PATHS_PER_MONTH)
  const budget = new Gauge({
    name: 'freshet_cloudfront_month_path_budget',
    help: 'Paths a calendar month budgeted for each distribution (cdn.cloudfront.monthlyPathBudget); the alert compares the month paths with it.',
    labelNames: ['distribution'],
    registers,
  })
  for (const [distribution, paths] of Object.entries(pathBudgets))
    budget.set({ distribution }, paths)
}
