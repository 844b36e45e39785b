/**
 * `--wait`: follows an event until it ends, one line per stage it passes (every stage, once,
 * in order, however short) and one each time the current stage's progress changes. Completed →
 * exit 0, failed → 1, `timeoutSeconds` passed first → 4.
 *
 * What to print comes from the event's recorded stage times (`batch.stages`), so a stage that
 * began and ended between two looks is still printed. When to look comes from the server's
 * Server-Sent Events (`GET /api/stream`: any pipeline event may concern this one), with a poll
 * beside it for a stream that breaks or a proxy that buffers it.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { EventView } from '../http/page/client/types.ts'
import { isFinal } from '../http/page/client/types.ts'
import type { AdminClient } from './client.ts'
import { stageLines } from './format.ts'
import { watchStream } from './stream.ts'

export const EXIT_FAILED = 1
export const EXIT_TIMEOUT = 4

export interface FollowOptions {
  timeoutSeconds: number
  json: boolean
  /** Between two looks when the stream cannot be opened (the fallback poll). */
  intervalMs?: number
  /** Between two looks while the stream is open and says nothing (the poll beside it). */
  livePollMs?: number
  print?: (line: string) => void
}

export async function followEvent(
  client: AdminClient,
  id: string,
  options: FollowOptions,
): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line))
  const printed = new Set<string>()
  const stop = new AbortController()
  const changes = watchStream(client, stop.signal)
  const timedOut = sleep(options.timeoutSeconds * 1000, 'timeout', { signal: stop.signal }).catch(
    () => 'stopped',
  )
  try {
    for (;;) {
      changes.clear()
      const view = (await client.get(`/api/events/${encodeURIComponent(id)}`)) as EventView
      for (const line of stageLines(view)) {
        if (printed.has(line.text)) continue
        printed.add(line.text)
        print(options.json ? JSON.stringify(progressOf(view, line.stage)) : line.text)
      }
      if (isFinal(view.status)) return view.status === 'completed' ? 0 : EXIT_FAILED
      const poll = sleep(
        changes.live() ? (options.livePollMs ?? 2_000) : (options.intervalMs ?? 500),
        'poll',
        {
          signal: stop.signal,
        },
      ).catch(() => 'stopped')
      if ((await Promise.race([changes.next(), poll, timedOut])) === 'timeout') {
        console.error(
          `[freshet] event ${id} is still ${view.status} after ${options.timeoutSeconds} s; ` +
            `follow it on with npx freshet status ${id} --wait, or give a longer --timeout`,
        )
        return EXIT_TIMEOUT
      }
    }
  } finally {
    stop.abort()
  }
}

// With --json, one JSON object per line: the same facts as the human line.
function progressOf(view: EventView, stage: string) {
  return {
    id: view.id,
    status: stage,
    pods: {
      confirmed: view.pods.filter((p) => p.status === 'confirmed').length,
      total: view.pods.length,
      skipped: view.pods.filter((p) => p.status === 'skipped').length,
    },
    invalidations: {
      completed: view.invalidations.filter((i) => i.status === 'Completed').length,
      total: view.invalidations.length,
    },
    error: view.error ?? view.batch?.error ?? null,
  }
}
