import type { Db } from './db.ts'

/**
 * The channel the replicas of one store share for the page's live view. A channel is
 * database-wide and at most 63 bytes, and a schema is one freshet: named after a hash of it.
 */
export async function liveChannel(db: Db): Promise<string> {
  const [row] = await db.query<{ channel: string }>(
    "SELECT 'freshet_live_' || left(md5(current_schema()), 16) AS channel",
  )
  if (!row) throw new Error('[freshet] [store] current_schema() answered no row')
  return row.channel
}

/** PostgreSQL's NOTIFY payload limit (8000 bytes) less room for the envelope. */
export const LIVE_PAYLOAD_BYTES = 7900

export async function notifyLive(db: Db, channel: string, payload: string) {
  await db.query('SELECT pg_notify($1, $2)', [channel, payload], { name: 'live-notify' })
}
