import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// In a checkout only `npx freshet …` (or `node …/freshet.js …`) runs: the bin is not on PATH.
// A user doc that tells someone to type a bare `freshet <command>` gives them "command not found".
const root = fileURLToPath(new URL('../../../', import.meta.url))
const commands = 'serve|invalidate|status|events|retry|simulate|reconcile|doctor|--?[a-z]'
/** An inline code span that starts with the bare command. */
const inline = new RegExp(`\`(?:\\$ )?freshet (?:${commands})`, 'g')
/** A line of a fenced block (a shell session) that starts with it. */
const blockLine = new RegExp(`^\\s*(?:\\$ )?freshet (?:${commands})`)

function walk(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(path, keep)
    return keep(entry.name) ? [path] : []
  })
}

/** Each offending line as `file:line: text`. */
function bareCommands(path: string, text: string): string[] {
  const found: string[] = []
  let fenced = false
  text.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced
    else if ((fenced && path.endsWith('.md') && blockLine.test(line)) || line.match(inline)) {
      found.push(`${relative(root, path)}:${i + 1}: ${line.trim()}`)
    }
  })
  return found
}

const userDocs = [
  join(root, 'README.md'),
  ...walk(join(root, 'packages/freshet/docs'), (name) => name.endsWith('.md')),
  ...walk(join(root, 'deploy'), (name) => /\.ya?ml$/.test(name)),
]

describe('user docs write the CLI as it runs in a checkout', () => {
  it('finds a bare command and lets npx, node … freshet.js and entrypoint args through', () => {
    const doc = [
      'run `freshet status 12`',
      '```sh',
      '$ freshet doctor',
      'npx freshet doctor',
      'node packages/freshet/bin/freshet.js serve',
      '```',
      '`npx freshet retry 3`, `node …/freshet.js reconcile --once`, args `reconcile --once`',
      'the `freshet_batches_failed_total` metric, the `freshet` chart',
    ].join('\n')
    expect(bareCommands(join(root, 'x.md'), doc)).toEqual([
      'x.md:1: run `freshet status 12`',
      'x.md:3: $ freshet doctor',
    ])
  })

  it('README, packages/freshet/docs and deploy/**/*.yaml have none', () => {
    expect(userDocs.length).toBeGreaterThan(5)
    const found = userDocs.flatMap((path) => bareCommands(path, readFileSync(path, 'utf8')))
    expect(found).toEqual([])
  })
})
