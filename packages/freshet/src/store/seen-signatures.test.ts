import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from './db.ts'
import { migrate } from './migrations.ts'
import { pruneSignatures, recordSignature, storeSignatureLedger } from './seen-signatures.ts'
import { testStores } from './test-stores.ts'

const T0 = Date.parse('2026-12-04T12:00:00Z')

describe.each(await testStores())('seen signatures on $name', (store) => {
  let db: Db
  beforeAll(async () => {
    const opened = await store.open()
    db = opened.db
    await migrate(db)
  })
  afterAll(async () => {
    await db?.close()
  })

  it('takes a signature once, per source', async () => {
    const at = new Date(T0 + 30_000)
    expect(await recordSignature(db, 'contentful', 'sig-a', at)).toBe(true)
    expect(await recordSignature(db, 'contentful', 'sig-a', at)).toBe(false)
    expect(await recordSignature(db, 'other', 'sig-a', at)).toBe(true)
  })

  it('lets exactly one of many racing writers take a signature', async () => {
    const at = new Date(T0 + 30_000)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => recordSignature(db, 'contentful', 'sig-race', at)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('prunes what expired, and only that', async () => {
    await recordSignature(db, 'contentful', 'sig-old', new Date(T0 - 1))
    await recordSignature(db, 'contentful', 'sig-live', new Date(T0 + 60_000))
    expect(await pruneSignatures(db, new Date(T0))).toBeGreaterThanOrEqual(1)
    expect(await recordSignature(db, 'contentful', 'sig-old', new Date(T0 + 1))).toBe(true)
    expect(await recordSignature(db, 'contentful', 'sig-live', new Date(T0 + 60_000))).toBe(false)
  })

  it('a ledger prunes at most once per interval, before it records', async () => {
    const ledger = storeSignatureLedger(db, 'ledger', 1000)
    expect(await ledger('l1', T0 + 10, T0)).toBe(true)
    expect(await ledger('l1', T0 + 10, T0 + 500)).toBe(false)
    // Past the interval: l1 (expired at T0 + 10) is pruned first, so it is taken again. The
    // signature check refuses such a request anyway: its timestamp is past the TTL.
    expect(await ledger('l1', T0 + 2000, T0 + 1500)).toBe(true)
  })
})
