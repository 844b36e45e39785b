/**
 * `npm run bench`: every bench in this folder, one after another (they share the machine's
 * cores, so never two at once), each printing its own figures. Exits non-zero if any failed.
 * Run one alone with `node bench/<name>.ts`.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { describeMachine } from './lib/machine.ts'

const here = import.meta.dirname
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && name !== 'run-all.ts')
  .sort()
const failed: string[] = []
console.log(`Machine: ${describeMachine()}`)
for (const name of benches) {
  console.log(`\n## ${name}\n`)
  const run = spawnSync(process.execPath, [`${here}/${name}`], { stdio: 'inherit' })
  if (run.status !== 0) failed.push(`${name} (exit ${run.status ?? run.signal})`)
}
if (failed.length > 0) {
  console.error(`\n[bench] failed: ${failed.join(', ')}`)
  process.exit(1)
}
