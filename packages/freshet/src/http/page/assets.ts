import { readFile } from 'node:fs/promises'
import nodeModule from 'node:module'

/**
 * The browser modules of the page (`client/*.ts`), by the name the page asks for. They are
 * TypeScript, type-checked and linted with the rest; the browser gets plain JavaScript:
 * from a build, the compiled `client/*.js` beside this file; from a checkout, the sources with
 * their types stripped (positions kept, so errors point at the right line). No bundler.
 */
const MODULES = new Set([
  'app',
  'api',
  'dom',
  'events',
  'journey',
  'live',
  'search',
  'types',
  'waterfall',
])
const fromSources = import.meta.url.endsWith('.ts')
const loaded = new Map<string, Promise<string>>()

/** `app.js` or `app.ts` → the module's JavaScript, or undefined for anything else. */
export function clientModule(file: string): Promise<string> | undefined {
  const name = /^([a-z]+)\.(?:js|ts)$/.exec(file)?.[1]
  if (!name || !MODULES.has(name)) return undefined
  let source = loaded.get(name)
  if (!source) {
    source = load(name)
    // A failed read is not cached: the next request tries again.
    source.catch(() => loaded.delete(name))
    loaded.set(name, source)
  }
  return source
}

async function load(name: string) {
  if (!fromSources) return readFile(new URL(`./client/${name}.js`, import.meta.url), 'utf8')
  const source = await readFile(new URL(`./client/${name}.ts`, import.meta.url), 'utf8')
  return stripTypes(source)
}

/**
 * Node warns once that `stripTypeScriptTypes` is experimental; on a server log that line reads
 * like a fault, so that one warning is held back (any other passes through).
 */
function stripTypes(source: string) {
  const emitWarning = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('stripTypeScriptTypes')) return
    Reflect.apply(emitWarning, process, [warning, ...rest])
  }) as typeof process.emitWarning
  try {
    return nodeModule.stripTypeScriptTypes(source)
  } finally {
    process.emitWarning = emitWarning
  }
}
