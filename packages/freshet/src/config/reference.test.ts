import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  END,
  README,
  renderReference,
  START,
  withReference,
} from '../../../../scripts/config-reference.ts'
import { configJsonSchema } from '../cli/schema.ts'

describe('README configuration reference', () => {
  it('is current (regenerate: npm run config:reference)', () => {
    const readme = existsSync(README) ? readFileSync(README, 'utf8') : ''
    expect(readme.includes(START), 'README.md has no config-reference block').toBe(true)
    expect(
      withReference(readme) === readme,
      'the README configuration reference is stale: run `npm run config:reference`',
    ).toBe(true)
  })

  it('has a row for every key, with its type, default and description', () => {
    const table = renderReference()
    expect(table).toContain(
      '| `server.port` | integer (≥ 0, ≤ 65535) | `8787` | Port the HTTP server listens on. |',
    )
    expect(table).toContain('| `sources.generic.token` | string | **required** |')
    expect(table).toContain('| `pods.discovery.dns.name` | string | **required** |')
    expect(table).toContain('| `routes[].collection` | string | **required** |')
    const keys = (node: { properties?: Record<string, unknown> }) =>
      Object.keys(node.properties ?? {})
    for (const key of keys(configJsonSchema() as never)) expect(table).toContain(`| \`${key}\` |`)
  })

  it('replaces only the block between the markers, or appends it with its markers', () => {
    const around = `# freshet\n\nbefore\n\n${START}\nold\n${END}\n\nafter\n`
    const updated = withReference(around, 'NEW')
    expect(updated).toBe(`# freshet\n\nbefore\n\n${START}\nNEW\n${END}\n\nafter\n`)
    expect(withReference(updated, 'NEW')).toBe(updated)
    const appended = withReference('# freshet\n\ntext\n', 'NEW')
    expect(appended).toBe(
      `# freshet\n\ntext\n\n## Configuration reference\n\n${START}\nNEW\n${END}\n`,
    )
  })
})
