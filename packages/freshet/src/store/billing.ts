/**
 * What CloudFront bills for the invalidations freshet created. CloudFront bills per distribution
 * per calendar month (UTC): the first 1,000 paths are free, then $0.005 a path; a wildcard and a
 * `#tag` each count as one path. A row of `invalidations` is one created invalidation (a retry
 * that got the same one back updates the row), so summing its `items` counts each path once.
 */
import type { Db } from './db.ts'

export const FREE_PATHS_PER_MONTH = 1000
export const USD_PER_PATH = 0.005

export interface DistributionBill {
  distributionId: string
  invalidations: number
  /** Paths (wildcards and tags count one each) sent in the month's invalidations. */
  paths: number
  freePaths: number
  billablePaths: number
  usd: number
}

export interface MonthlyBill {
  /** `YYYY-MM` */
  month: string
  from: string
  to: string
  distributions: DistributionBill[]
  paths: number
  usd: number
}

/** The month's bounds `[from, to)` in UTC, or undefined when `month` is not `YYYY-MM`. */
export function monthRange(month: string): { from: Date; to: Date } | undefined {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month)
  if (!match) return undefined
  const year = Number(match[1])
  const index = Number(match[2]) - 1
  return { from: new Date(Date.UTC(year, index, 1)), to: new Date(Date.UTC(year, index + 1, 1)) }
}

/** `YYYY-MM` of a date, in UTC. */
export const monthOf = (date: Date): string => date.toISOString().slice(0, 7)

/** One distribution's bill for a month's paths. Pure. */
export function billFor(
  distributionId: string,
  paths: number,
  invalidations: number,
): DistributionBill {
  const billablePaths = Math.max(0, paths - FREE_PATHS_PER_MONTH)
  return {
    distributionId,
    invalidations,
    paths,
    freePaths: paths - billablePaths,
    billablePaths,
    // In tenths of a cent, so 0.005 × n never shows as 0.15000000000000002.
    usd: Math.round(billablePaths * USD_PER_PATH * 1000) / 1000,
  }
}

/** The bill of a calendar month, per distribution. */
export async function monthlyBill(db: Db, month: string): Promise<MonthlyBill> {
  const range = monthRange(month)
  if (!range) throw new RangeError(`[freshet] [billing] month must be YYYY-MM, got "${month}"`)
  const rows = await db.query<{ distribution_id: string; paths: string; invalidations: string }>(
    `SELECT distribution_id, sum(items) AS paths, count(*) AS invalidations FROM invalidations
     WHERE invalidation_id IS NOT NULL AND created_at >= $1 AND created_at < $2
     GROUP BY distribution_id ORDER BY distribution_id`,
    [range.from.toISOString(), range.to.toISOString()],
  )
  const distributions = rows.map((r) =>
    billFor(r.distribution_id, Number(r.paths), Number(r.invalidations)),
  )
  return {
    month,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    distributions,
    paths: distributions.reduce((sum, d) => sum + d.paths, 0),
    usd: Math.round(distributions.reduce((sum, d) => sum + d.usd, 0) * 1000) / 1000,
  }
}
