import { Counter, type Registry } from 'prom-client'
import type { Lifecycle } from '../pipeline/lifecycle.ts'

/** Reconciliation: runs by outcome, and what each cost (CMS requests, items read) and made. */
export function countReconciles(lifecycle: Lifecycle, registry: Registry) {
  const runs = new Counter({
    name: 'freshet_reconcile_runs_total',
    help: 'Reconciliation runs by source and outcome (completed, failed).',
    labelNames: ['source', 'outcome'],
    registers: [registry],
  })
  const requests = new Counter({
    name: 'freshet_reconcile_requests_total',
    help: 'Requests reconciliation sent to the CMS, by source.',
    labelNames: ['source'],
    registers: [registry],
  })
  const items = new Counter({
    name: 'freshet_reconcile_items_total',
    help: 'Items reconciliation read from the CMS, by source.',
    labelNames: ['source'],
    registers: [registry],
  })
  const made = new Counter({
    name: 'freshet_reconcile_events_total',
    help: 'Events reconciliation made for changes no webhook delivered, by source. Above 0: webhooks are being lost.',
    labelNames: ['source'],
    registers: [registry],
  })
  lifecycle.on('reconcile:completed', (e) => {
    runs.inc({ source: e.source, outcome: 'completed' })
    requests.inc({ source: e.source }, e.requests)
    items.inc({ source: e.source }, e.items)
    made.inc({ source: e.source }, e.events.length)
  })
  lifecycle.on('reconcile:failed', (e) => runs.inc({ source: e.source, outcome: 'failed' }))
}
