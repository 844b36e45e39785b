import { describe, expect, it } from 'vitest'
import { PAGE_HTML } from '../http/page/html.ts'
import type { PipelineContext } from './context.ts'
import { DEAD_LETTER, EVENT_STATUSES, STAGE_NAMES, STAGES, stagesAfter } from './stages.ts'

const context = (pods: boolean, cdn: number) =>
  ({ pods: pods ? {} : undefined, cdn: Array.from({ length: cdn }, () => ({})) }) as PipelineContext

describe('the table of stages', () => {
  it('chains every stage from the first to completed, each once', () => {
    expect(stagesAfter(STAGES[0].name).map((s) => s.name)).toEqual(STAGE_NAMES.slice(1))
    expect(STAGES.at(-1)?.next).toBe('completed')
    expect(stagesAfter('completed')).toEqual([])
  })

  it('keeps the queue names a running release has jobs under', () => {
    // Renaming one would strand the jobs queued before an upgrade.
    expect(Object.fromEntries(STAGES.map((s) => [s.name, s.queue]))).toEqual({
      planning: 'freshet-plan',
      pods: 'freshet-pods',
      cdn: 'freshet-cdn',
      tracking: 'freshet-track',
    })
    expect(DEAD_LETTER.queue).toBe('freshet-failed')
  })

  it('says which stages a deployment skips, and why', () => {
    const skipped = (ctx: PipelineContext) =>
      Object.fromEntries(STAGES.map((s) => [s.name, s.skippedWhen(ctx)]).filter(([, r]) => r))
    expect(skipped(context(true, 1))).toEqual({})
    expect(skipped(context(false, 1))).toEqual({ pods: 'no pods configured (pods.discovery)' })
    expect(Object.keys(skipped(context(true, 0)))).toEqual(['cdn', 'tracking'])
  })

  it('retries each stage as its policy says, with the configured attempts', () => {
    const limits = STAGES.map((s) => s.retry({ planning: 3, pods: 1 }).retryLimit)
    expect(limits).toEqual([2, 0, 10, 10])
  })

  it('gives the page and the API the same stages, in order', () => {
    expect(PAGE_HTML).toContain(`data-stages="${STAGE_NAMES.join(' ')}"`)
    expect(EVENT_STATUSES).toEqual([
      'received',
      'scheduled',
      'planning',
      'pods',
      'cdn',
      'tracking',
      'completed',
      'failed',
    ])
  })
})
