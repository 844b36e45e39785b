/**
 * The rolling-deploy rule for migrations. During a rolling update the previous release keeps
 * serving while the new one migrates the shared database, so a migration may only add: tables,
 * nullable or defaulted columns, indexes. Whatever drops, renames or narrows something the
 * previous release reads or writes breaks those replicas mid-deploy. Such a change ships in two
 * releases: one that stops using the thing, then (marked `contracts`) one that removes it.
 */

export interface MigrationLike {
  version: number
  name: string
  sql: string
  /** Set only on a migration that removes what an earlier release (named here) stopped using. */
  contracts?: string
}

const BREAKING: Array<[RegExp, string]> = [
  [/\bDROP\s+(TABLE|COLUMN|SCHEMA|TYPE|FUNCTION|VIEW|CONSTRAINT|DEFAULT)\b/i, 'drops'],
  [/\bDROP\s+INDEX\b(?![^;]*\bCREATE\b)/i, 'drops an index'],
  [/\bRENAME\b/i, 'renames'],
  [/\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b/i, 'changes a column type'],
  [/\bSET\s+NOT\s+NULL\b/i, 'makes a column NOT NULL'],
  [/\bADD\s+(CONSTRAINT|CHECK|UNIQUE|PRIMARY\s+KEY|FOREIGN\s+KEY)\b/i, 'adds a constraint'],
  [/\bTRUNCATE\b/i, 'truncates'],
  [/\bDELETE\s+FROM\b/i, 'deletes rows'],
]

// ADD COLUMN … NOT NULL without a DEFAULT: the previous release's INSERTs omit it and fail.
const ADD_COLUMN = /\bADD\s+COLUMN\s+(IF\s+NOT\s+EXISTS\s+)?[^,;]*/gi

const stripComments = (sql: string) => sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '')

/** What in `migration` breaks replicas of the previous release; empty when it only adds. */
export function rollingDeployViolations(migration: MigrationLike): string[] {
  if (migration.contracts) return []
  const sql = stripComments(migration.sql)
  const found = BREAKING.filter(([pattern]) => pattern.test(sql)).map(([, what]) => what)
  for (const [column] of sql.matchAll(ADD_COLUMN)) {
    if (/\bNOT\s+NULL\b/i.test(column) && !/\bDEFAULT\b/i.test(column))
      found.push('adds a NOT NULL column without a DEFAULT')
  }
  return found.map((what) => `migration ${migration.version} (${migration.name}) ${what}`)
}
