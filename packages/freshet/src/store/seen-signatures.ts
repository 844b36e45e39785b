import type { Db } from './db.ts'

/**
 * Signed requests already accepted (Contentful's), so the same signed request is taken once per
 * TTL window across restarts and replicas: the signature is the key, and the store's unique
 * constraint decides which of two racing replicas took it. A row can go once its request's
 * timestamp is past the TTL, since the signature check refuses the request from then on.
 */
export const seenSignaturesMigration = {
  name: 'seen signatures (replay protection)',
  sql: `
    CREATE TABLE seen_signatures (
      source text NOT NULL,
      signature text NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (source, signature)
    );
    CREATE INDEX seen_signatures_expiry ON seen_signatures (expires_at);
  `,
}

/** Records the signature; false when it was recorded before (a replay). */
export async function recordSignature(
  db: Db,
  source: string,
  signature: string,
  expiresAt: Date,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO seen_signatures (source, signature, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (source, signature) DO NOTHING RETURNING 1`,
    [source, signature, expiresAt.toISOString()],
    { name: 'freshet_record_signature' },
  )
  return rows.length === 1
}

/** Deletes the signatures whose requests have expired; answers how many. */
export async function pruneSignatures(db: Db, now: Date): Promise<number> {
  const rows = await db.query('DELETE FROM seen_signatures WHERE expires_at <= $1 RETURNING 1', [
    now.toISOString(),
  ])
  return rows.length
}

/** Whether a signature is new, as a source asks it (epoch milliseconds). */
export type SignatureLedger = (
  signature: string,
  expiresAt: number,
  now: number,
) => Promise<boolean>

/**
 * The ledger of one source in the store, pruning what expired at most once per `pruneEveryMs`
 * (a delete per webhook would cost more than the insert).
 */
export function storeSignatureLedger(
  db: Db,
  source: string,
  pruneEveryMs = 60_000,
): SignatureLedger {
  let prunedAt = 0
  return async (signature, expiresAt, now) => {
    if (now - prunedAt >= pruneEveryMs) {
      prunedAt = now
      await pruneSignatures(db, new Date(now))
    }
    return recordSignature(db, source, signature, new Date(expiresAt))
  }
}
