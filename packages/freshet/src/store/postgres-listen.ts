import { setTimeout as delay } from 'node:timers/promises'
import pg from 'pg'
import type { ListenHandlers, Listening } from './db.ts'

const FIRST_RETRY_MS = 500
const MAX_RETRY_MS = 10_000

/**
 * LISTEN needs a session of its own (a pooled connection goes back to the pool between queries).
 * When the server drops it (a restart, a failover, `pg_terminate_backend`), a new one is opened
 * with backoff; once it listens again `onGap` says that what was sent in between was missed.
 */
export async function listenPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
): Promise<Listening> {
  const stopped = new AbortController()
  let client: pg.Client | undefined

  const open = async () => {
    const next = new pg.Client({ connectionString: url, application_name: 'freshet-live' })
    next.on('error', () => {})
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) {
        handlers.onPayload(message.payload)
      }
    })
    try {
      await next.connect()
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (error) {
      await next.end().catch(() => {})
      throw error
    }
    client = next
    // Closed while this one was opening: it must not keep the process alive.
    if (stopped.signal.aborted) await next.end().catch(() => {})
    else next.once('end', () => void reopen())
  }

  const reopen = async () => {
    for (let waitMs = FIRST_RETRY_MS; !stopped.signal.aborted; ) {
      try {
        await open()
        handlers.onGap()
        return
      } catch {
        await delay(waitMs, undefined, { signal: stopped.signal }).catch(() => {})
        waitMs = Math.min(waitMs * 2, MAX_RETRY_MS)
      }
    }
  }

  await open()
  return {
    async close() {
      stopped.abort()
      await client?.end().catch(() => {})
    },
  }
}
