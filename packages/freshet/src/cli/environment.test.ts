import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { ENVIRONMENT, TEST_ONLY_ENVIRONMENT } from './environment.ts'

const src = fileURLToPath(new URL('..', import.meta.url))

it('lists every environment variable the sources read (for --help)', () => {
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  )
  const read = new Set<string>()
  for (const file of files) {
    const text = readFileSync(join(src, file), 'utf8')
    for (const match of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) read.add(match[1] ?? '')
  }
  const listed = new Set([...ENVIRONMENT.map(([name]) => name), ...TEST_ONLY_ENVIRONMENT])
  expect([...read].filter((name) => !listed.has(name))).toEqual([])
  expect(read.size).toBeGreaterThan(5)
})
