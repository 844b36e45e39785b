/**
 * The order of the cache layers: inner layers (lower `layer`: Varnish) are purged and confirmed
 * Completed before an outer one (the CDNs) is called, because an outer cache that refills from a
 * stale inner one would keep the old page. The outermost layer is left to the track stage.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { type PollSchedule, pollDelayMs } from '../core/cdn-chunks.ts'
import { checkInvalidations } from '../targets/submit.ts'
import type { CdnTarget, InvalidationState } from '../targets/types.ts'
import type { CdnDistribution } from './context.ts'

/** Submits each layer's distributions, then waits for them, inner layers first. */
export async function inLayers(
  distributions: readonly CdnDistribution[],
  submit: (distribution: CdnDistribution) => Promise<string[]>,
  confirm: (distribution: CdnDistribution, ids: string[]) => Promise<void>,
): Promise<void> {
  const layers = [...new Set(distributions.map((d) => d.target.layer))].sort((a, b) => a - b)
  for (const [index, layer] of layers.entries()) {
    const inLayer = distributions.filter((d) => d.target.layer === layer)
    const open: { distribution: CdnDistribution; ids: string[] }[] = []
    for (const distribution of inLayer) open.push({ distribution, ids: await submit(distribution) })
    if (index === layers.length - 1) continue
    for (const { distribution, ids } of open) await confirm(distribution, ids)
  }
}

/** Polls a target until every one of `ids` is Completed, reporting each as it completes. */
export async function untilCompleted(
  target: CdnTarget,
  ids: readonly string[],
  schedule: PollSchedule,
  signal: AbortSignal,
  onCompleted: (state: InvalidationState) => Promise<void>,
): Promise<void> {
  const waiting = [...ids]
  for (let poll = 0; waiting.length > 0; poll++) {
    const states = await checkInvalidations(target, waiting, signal)
    for (const state of states.filter((s) => s.status === 'Completed')) {
      await onCompleted(state)
      waiting.splice(waiting.indexOf(state.id), 1)
    }
    if (waiting.length > 0) await sleep(pollDelayMs(poll, schedule), undefined, { signal })
  }
}
