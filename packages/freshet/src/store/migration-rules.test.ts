import { describe, expect, it } from 'vitest'
import { type MigrationLike, rollingDeployViolations } from './migration-rules.ts'
import { migrations } from './migrations.ts'

const m = (sql: string, contracts?: string): MigrationLike => ({
  version: 99,
  name: 'example',
  sql,
  ...(contracts ? { contracts } : {}),
})

describe('every migration keeps the previous release working (rolling deploys)', () => {
  it.each(migrations.map((migration) => [migration.version, migration] as const))(
    'migration %i only adds',
    (_, migration) => {
      expect(rollingDeployViolations(migration)).toEqual([])
    },
  )
})

describe('rollingDeployViolations', () => {
  it('accepts what only adds', () => {
    for (const sql of [
      'CREATE TABLE a (id text PRIMARY KEY, n integer NOT NULL)',
      'CREATE INDEX a_n ON a (n)',
      'ALTER TABLE a ADD COLUMN note text',
      'ALTER TABLE a ADD COLUMN tries integer NOT NULL DEFAULT 0',
      '-- DROP TABLE a would break old replicas\nCREATE TABLE b (id text)',
    ])
      expect(rollingDeployViolations(m(sql)), sql).toEqual([])
  })

  it('names what breaks the previous release', () => {
    const cases: Array<[string, string]> = [
      ['DROP TABLE events', 'drops'],
      ['ALTER TABLE events DROP COLUMN error', 'drops'],
      ['DROP INDEX events_recent', 'drops an index'],
      ['ALTER TABLE events RENAME COLUMN error TO reason', 'renames'],
      ['ALTER TABLE batches RENAME TO runs', 'renames'],
      ['ALTER TABLE events ALTER COLUMN status TYPE integer USING 0', 'changes a column type'],
      ['ALTER TABLE events ALTER COLUMN status SET DATA TYPE varchar(8)', 'changes a column type'],
      ['ALTER TABLE events ALTER COLUMN batch_id SET NOT NULL', 'makes a column NOT NULL'],
      ['ALTER TABLE events ADD COLUMN tenant text NOT NULL', 'adds a NOT NULL column'],
      ["ALTER TABLE events ADD CONSTRAINT s CHECK (status <> '')", 'adds a constraint'],
      ['TRUNCATE events', 'truncates'],
      ["DELETE FROM events WHERE status = 'x'", 'deletes rows'],
    ]
    for (const [sql, what] of cases) {
      const found = rollingDeployViolations(m(sql))
      expect(found.join('; '), sql).toContain(what)
      expect(found[0], sql).toMatch(/^migration 99 \(example\) /)
    }
  })

  it('lets a migration marked `contracts` remove what an earlier release stopped using', () => {
    expect(rollingDeployViolations(m('ALTER TABLE events DROP COLUMN error', '0.3.0'))).toEqual([])
  })
})
