import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// core/ is pure: it may not reach the adapters (targets, discovery, store, pipeline, http).
describe('core/ imports', () => {
  it('import nothing from the adapters or the pipeline', () => {
    const dir = new URL('.', import.meta.url)
    const offending: string[] = []
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8')
      for (const [, from] of text.matchAll(/from '(\.\.\/[^']+)'/g))
        if (!from?.startsWith('../core/')) offending.push(`${file}: ${from}`)
    }
    expect(offending).toEqual([])
  })
})
