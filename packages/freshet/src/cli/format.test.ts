import { describe, expect, it } from 'vitest'
import type { EventView } from '../http/page/client/types.ts'
import { stageLines } from './format.ts'

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()

/** An event as `GET /api/events/:id` shows it, at `status`, its batch's stages as recorded. */
function view(status: string, stages: Record<string, object>): EventView {
  return {
    id: 'e1',
    status,
    source: 'manual',
    receivedAt: at(0),
    finishedAt: status === 'completed' ? at(9) : null,
    pods: [{ status: 'confirmed' }, { status: 'confirmed' }],
    invalidations: [{ status: status === 'completed' ? 'Completed' : 'InProgress' }],
    batch: {
      stages,
      plan: { paths: [{ value: '/a' }], tags: [], notes: [] },
      failedStage: null,
      error: null,
    },
    error: null,
  } as unknown as EventView
}

describe('--wait lines', () => {
  it('a look in tracking still shows planning, pods and cdn, which ended before it', () => {
    const lines = stageLines(
      view('tracking', {
        planning: { startedAt: at(0), endedAt: at(1) },
        pods: { startedAt: at(1), endedAt: at(3) },
        cdn: { startedAt: at(3), endedAt: at(4) },
        tracking: { startedAt: at(4) },
      }),
    ).map((l) => l.text)
    expect(lines).toEqual([
      'planning  planned 1 paths, 0 tags, in 1.0 s',
      'pods      pods confirmed 2/2, in 2.0 s',
      'cdn       1 invalidation created, in 1.0 s',
      'tracking  pods confirmed 2/2, invalidations Completed 0/1',
    ])
  })

  it('a skipped stage says why; the last line is the outcome', () => {
    const lines = stageLines(
      view('completed', {
        planning: { startedAt: at(0), endedAt: at(1) },
        pods: { startedAt: at(1), endedAt: at(2) },
        cdn: { skipped: 'no CDN configured' },
      }),
    ).map((l) => l.text)
    expect(lines.slice(2)).toEqual([
      'cdn       skipped: no CDN configured',
      'completed in 9.0 s, pods confirmed 2/2, invalidations Completed 1/1',
    ])
  })
})
