/**
 * `--wait`: follows an event live, printing a line each time its stage or progress changes,
 * until it ends. Completed → exit 0, failed → 1, `timeoutSeconds` passed first → 4.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { EventView } from '../http/page/client/types.ts'
import { isFinal } from '../http/page/client/types.ts'
import type { AdminClient } from './client.ts'
import { progressLine } from './format.ts'

export const EXIT_FAILED = 1
export const EXIT_TIMEOUT = 4

export interface FollowOptions {
  timeoutSeconds: number
  json: boolean
  /** Between two looks at the event. */
  intervalMs?: number
  print?: (line: string) => void
}

export async function followEvent(
  client: AdminClient,
  id: string,
  options: FollowOptions,
): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line))
  const until = Date.now() + options.timeoutSeconds * 1000
  let last = ''
  for (;;) {
    const view = (await client.get(`/api/events/${encodeURIComponent(id)}`)) as EventView
    const line = options.json ? JSON.stringify(progressOf(view)) : progressLine(view)
    if (line !== last) print(line)
    last = line
    if (isFinal(view.status)) return view.status === 'completed' ? 0 : EXIT_FAILED
    if (Date.now() > until) {
      console.error(
        `[freshet] event ${id} is still ${view.status} after ${options.timeoutSeconds} s; ` +
          `follow it on with npx freshet status ${id} --wait, or give a longer --timeout`,
      )
      return EXIT_TIMEOUT
    }
    await sleep(options.intervalMs ?? 500)
  }
}

// With --json, one JSON object per line: the same facts as the human line.
function progressOf(view: EventView) {
  return {
    id: view.id,
    status: view.status,
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
