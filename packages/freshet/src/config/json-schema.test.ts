import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { configJsonSchema } from '../cli/schema.ts'

const COMMITTED = new URL('../../schema/freshet.schema.json', import.meta.url)

interface Node {
  type?: unknown
  properties?: Record<string, Node>
  additionalProperties?: unknown
  items?: Node
  anyOf?: Node[]
  oneOf?: Node[]
}

/** Every object of the config whose keys are not closed (so a typo would pass silently). */
function openObjects(node: Node, key = '(top level)'): string[] {
  const open = node.properties && node.additionalProperties !== false ? [key] : []
  const children = [
    ...Object.entries(node.properties ?? {}).map(([name, child]) => [
      key === '(top level)' ? name : `${key}.${name}`,
      child,
    ]),
    ...(node.items ? [[`${key}[]`, node.items]] : []),
    ...[...(node.anyOf ?? []), ...(node.oneOf ?? [])].map((branch) => [key, branch]),
  ] as Array<[string, Node]>
  return [...open, ...children.flatMap(([name, child]) => openObjects(child, name))]
}

describe('JSON Schema of freshet.yaml', () => {
  it('is committed as generated (regenerate: npm run config:schema)', () => {
    const committed = readFileSync(COMMITTED, 'utf8')
    const current = `${JSON.stringify(configJsonSchema(), null, 2)}\n`
    expect(
      committed === current,
      'packages/freshet/schema/freshet.schema.json is stale: run `npm run config:schema`',
    ).toBe(true)
  })

  it('closes every object: an unknown key anywhere is an error, in editors as at start', () => {
    expect(openObjects(configJsonSchema() as Node)).toEqual([])
  })
})
