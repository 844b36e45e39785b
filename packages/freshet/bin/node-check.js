// The Node.js floor, from this package's `engines` (one place for it), checked before anything
// else is loaded: an older Node otherwise dies deep inside a dependency (undici 8 needs 22.19:
// on 22.12 it throws `Cannot read properties of undefined (reading 'bind')` at import).
// Plain JavaScript that any Node can parse, so the message reaches users of old ones.
import { readFileSync } from 'node:fs'

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/** The lowest supported version, e.g. "22.19", from `engines.node` (">=22.19"). */
export const nodeFloor = manifest.engines.node.replace(/^>=\s*/, '')

const parts = (version) => version.split('.').map((n) => Number.parseInt(n, 10) || 0)

/** Whether `version` (e.g. "20.20.2") is at least the floor. */
export function nodeSupported(version) {
  const have = parts(version)
  const need = parts(nodeFloor)
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i]
  }
  return true
}

/** One line: what is needed, what this is, and how to get a supported Node. */
export function nodeTooOldMessage(version = process.versions.node, execPath = process.execPath) {
  return (
    `[freshet] Node.js ${version} (${execPath}) is too old: freshet needs Node.js >= ${nodeFloor}. ` +
    'In a checkout, run it through npm (npm start, npm test, npx freshet …), which uses the Node 24 ' +
    'that npm install brings; elsewhere install Node 24 (e.g. nvm install 24).'
  )
}

/** Exits with the message when this Node is too old. */
export function requireSupportedNode() {
  if (nodeSupported(process.versions.node)) return
  console.error(nodeTooOldMessage())
  process.exit(1)
}
