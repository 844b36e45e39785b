/**
 * "What purged this URL?": every batch whose plan held a path or a tag, newest first, with why
 * it was there, the events it carried and when each layer (pods, each CDN target) completed.
 */
import type { PlanReason } from '../core/domain.ts'
import type { Db } from './db.ts'

export interface PurgeQuery {
  path?: string | undefined
  tag?: string | undefined
  limit: number
}

export interface Purge {
  batchId: string
  status: string
  createdAt: Date
  finishedAt: Date | null
  reasons: PlanReason[]
  events: { id: string; source: string; receivedAt: Date }[]
  /** When each layer finished: `pods`, then each CDN target by name, inner first. */
  layers: { name: string; completedAt: string | null }[]
}

interface Row {
  id: string
  status: string
  created_at: Date
  finished_at: Date | null
  entry: { reasons?: PlanReason[] } | null
  stages: Record<string, { endedAt?: string; skipped?: string }>
  events: { id: string; source: string; received_at: string }[] | null
  invalidations: { target: string; completed_at: string | null }[] | null
}

export async function findPurges(db: Db, query: PurgeQuery): Promise<Purge[]> {
  const [list, value] = query.path !== undefined ? ['paths', query.path] : ['tags', query.tag]
  if (value === undefined) return []
  const rows = await db.query<Row>(
    `SELECT b.id, b.status, b.created_at, b.finished_at, b.stages,
       (SELECT x FROM jsonb_array_elements(b.plan -> '${list}') x WHERE x ->> 'value' = $2 LIMIT 1) AS entry,
       (SELECT jsonb_agg(jsonb_build_object('id', e.id, 'source', e.source, 'received_at', e.received_at)
                         ORDER BY e.received_at DESC)
          FROM events e WHERE e.batch_id = b.id) AS events,
       (SELECT jsonb_agg(jsonb_build_object('target', i.distribution_id, 'completed_at', i.completed_at)
                         ORDER BY i.distribution_id, i.chunk)
          FROM invalidations i WHERE i.batch_id = b.id) AS invalidations
     FROM batches b
     WHERE b.plan -> '${list}' @> $1::jsonb
     ORDER BY b.created_at DESC, b.id DESC LIMIT $3`,
    [JSON.stringify([{ value }]), value, query.limit],
  )
  return rows.map(toPurge)
}

function toPurge(row: Row): Purge {
  const layers: Purge['layers'] = []
  const pods = row.stages.pods
  if (pods && !pods.skipped) layers.push({ name: 'pods', completedAt: pods.endedAt ?? null })
  // A target with several chunks completed when its last chunk did (null while one is open).
  const targets = new Map<string, (string | null)[]>()
  for (const i of row.invalidations ?? [])
    targets.set(i.target, [...(targets.get(i.target) ?? []), i.completed_at])
  for (const [name, times] of targets) layers.push({ name, completedAt: latest(times) })
  return {
    batchId: row.id,
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    reasons: row.entry?.reasons ?? [],
    events: (row.events ?? []).map((e) => ({
      id: e.id,
      source: e.source,
      receivedAt: new Date(e.received_at),
    })),
    layers,
  }
}

function latest(times: (string | null)[]): string | null {
  if (times.some((t) => t === null)) return null
  return (times as string[]).reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a))
}
