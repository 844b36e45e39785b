import { Counter, Histogram, type Registry } from 'prom-client'
import type { Lifecycle } from '../pipeline/lifecycle.ts'

/** Late pods: how many joined, how their catch-ups ended, and how long a replay took. */
export function countCatchUps(lifecycle: Lifecycle, registry: Registry) {
  const joined = new Counter({
    name: 'freshet_pods_joined_total',
    help: 'Pods discovery reported that it did not list before; each catches up before it counts current.',
    registers: [registry],
  })
  const catchUps = new Counter({
    name: 'freshet_pod_catchups_total',
    help: 'Catch-up attempts of late pods by outcome: caught-up, retrying, failed (retries exhausted).',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const replayed = new Histogram({
    name: 'freshet_pod_catchup_duration_seconds',
    help: 'Time from a catch-up attempt start to the pod confirming its replay.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  })
  lifecycle.on('pod:joined', () => joined.inc())
  lifecycle.on('pod:caught-up', (e) => {
    catchUps.inc({ outcome: 'caught-up' })
    replayed.observe(e.ms / 1000)
  })
  lifecycle.on('pod:catch-up-failed', (e) =>
    catchUps.inc({ outcome: e.final ? 'failed' : 'retrying' }),
  )
}
