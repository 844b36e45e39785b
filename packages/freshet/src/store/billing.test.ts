import { afterEach, describe, expect, it } from 'vitest'
import { billFor, monthlyBill, monthOf, monthRange } from './billing.ts'
import type { Db } from './db.ts'
import { recordInvalidation } from './invalidations.ts'
import { migrate } from './migrations.ts'
import { testStores } from './test-stores.ts'

describe('billing arithmetic', () => {
  it('gives the first 1,000 paths of a month free, then $0.005 a path', () => {
    expect(billFor('E1', 999, 3)).toMatchObject({ freePaths: 999, billablePaths: 0, usd: 0 })
    expect(billFor('E1', 1000, 1)).toMatchObject({ freePaths: 1000, billablePaths: 0, usd: 0 })
    expect(billFor('E1', 1030, 2)).toMatchObject({ freePaths: 1000, billablePaths: 30, usd: 0.15 })
    expect(billFor('E1', 21_000, 7).usd).toBe(100)
  })

  it('reads calendar months in UTC and refuses anything else', () => {
    expect(monthRange('2026-12')).toEqual({
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    })
    for (const bad of ['2026-13', '2026-1', '26-01', '2026-01-01', ''])
      expect(monthRange(bad)).toBeUndefined()
    expect(monthOf(new Date('2026-04-30T23:59:59Z'))).toBe('2026-04')
  })
})

const stores = await testStores()

describe.each(stores)('billing on $name', (store) => {
  let db: Db
  afterEach(async () => db?.close())

  const record = (batchId: string, distributionId: string, chunk: number, items: number) =>
    recordInvalidation(db, batchId, {
      distributionId,
      chunk,
      callerReference: `freshet:${batchId}:${distributionId}:${chunk}`,
      invalidationId: `I${batchId}${chunk}`,
      status: 'InProgress',
      items,
    })

  it('sums a month per distribution, once per invalidation, and a batch over distributions', async () => {
    db = (await store.open()).db
    await migrate(db)
    await record('b1', 'EONE', 0, 3000)
    await record('b1', 'EONE', 1, 100)
    expect(await record('b1', 'ETWO', 0, 3100)).toEqual({ known: false })
    // A retried stage records the same chunk again: still one invalidation, billed once.
    expect(await record('b1', 'EONE', 1, 100)).toEqual({ known: true })
    await record('b2', 'EONE', 0, 50)
    await db.query(
      `UPDATE invalidations SET created_at = '2026-03-31T23:59:59Z' WHERE batch_id = 'b2'`,
    )
    await db.query(
      `UPDATE invalidations SET created_at = '2026-04-01T00:00:00Z' WHERE batch_id = 'b1'`,
    )

    const april = await monthlyBill(db, '2026-04')
    expect(april.distributions).toEqual([billFor('EONE', 3100, 2), billFor('ETWO', 3100, 1)])
    expect(april).toMatchObject({ paths: 6200, usd: 21 })
    expect((await monthlyBill(db, '2026-03')).distributions).toEqual([billFor('EONE', 50, 1)])
    expect((await monthlyBill(db, '2026-05')).distributions).toEqual([])

    await expect(monthlyBill(db, 'April')).rejects.toThrow(/YYYY-MM/)
  })
})
