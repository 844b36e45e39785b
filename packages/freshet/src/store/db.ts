import type { Db as BossDb } from 'pg-boss'

export interface QueryOptions {
  /**
   * For a statement run often: PostgreSQL parses and plans it once per connection, not on
   * every call. One text per name. The embedded store, which has no such cost, ignores it.
   */
  name?: string | undefined
}

export interface ListenHandlers {
  onPayload(payload: string): void
  onGap(): void
}

export interface Listening {
  close(): Promise<void>
}

/**
 * The store's port: SQL in, rows out, one dialect (PostgreSQL) for the embedded PGlite and a
 * real server. Every query of freshet's goes through this; pg-boss gets `boss` to share it.
 */
export interface Db {
  readonly kind: 'pglite' | 'postgres'
  query<T = Record<string, unknown>>(
    text: string,
    values?: unknown[],
    options?: QueryOptions,
  ): Promise<T[]>
  /** Runs `fn` in one transaction; pass `tx` on to pg-boss calls as `{ db: tx.boss }`. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>
  /** Multi-statement SQL without parameters (migrations). */
  exec(sql: string): Promise<void>
  /**
   * A session of its own that LISTENs on `channel` (PostgreSQL only: the embedded store is one
   * process, so it has nobody to hear from). It reconnects with backoff after losing the server;
   * `onGap` runs once it is listening again, as whatever was sent meanwhile was missed.
   */
  listen?(channel: string, handlers: ListenHandlers): Promise<Listening>
  /** This connection as pg-boss's database port. */
  readonly boss: BossDb
  close(): Promise<void>
}
