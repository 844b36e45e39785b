import type { PgBoss } from 'pg-boss'
import type { Db } from '../store/db.ts'
import { migrate } from '../store/migrations.ts'
import type { TestStore } from '../store/test-stores.ts'
import { createBoss } from './runtime.ts'

/** For tests: a fresh, migrated store with pg-boss started on it. */
export async function openStoreWithBoss(store: TestStore): Promise<{ db: Db; boss: PgBoss }> {
  const opened = await store.open()
  await migrate(opened.db)
  const boss = createBoss(opened.db, opened)
  await boss.start()
  return { db: opened.db, boss }
}
