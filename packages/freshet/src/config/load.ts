import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDocument, type YAMLError } from 'yaml'
import { interpolate } from './interpolate.ts'
import { describeProblems } from './problems.ts'
import { type Config, configSchema } from './schema.ts'

export class ConfigError extends Error {
  readonly problems: string[]
  constructor(file: string, problems: string[]) {
    super(`[freshet] [config] ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export interface LoadedConfig {
  config: Config
  /** The file read, or undefined when none was found and defaults apply. */
  file: string | undefined
}

/** `--config FILE`, else `FRESHET_CONFIG`, else `./freshet.yaml` when it exists. */
export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string) {
  const named = explicit ?? env.FRESHET_CONFIG
  if (named) return resolve(cwd, named)
  const local = resolve(cwd, 'freshet.yaml')
  return existsSync(local) ? local : undefined
}

export function loadConfig(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): LoadedConfig {
  const file = findConfigFile(explicit, env, cwd)
  if (!file) return { config: parseConfig({}, env, '(defaults)'), file }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new ConfigError(file, [`cannot read the file: ${(cause as Error).message}`])
  }
  return { config: parseConfigText(text, env, file), file }
}

export function parseConfigText(text: string, env: NodeJS.ProcessEnv, file = 'freshet.yaml') {
  const document = parseDocument(text, { uniqueKeys: true })
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((e) => yamlProblem(e, text)),
    )
  }
  return parseConfig(document.toJS() ?? {}, env, file)
}

// `YAML line 3, column 9: <what> in "  port: [1, 2"`: where, what, and the line itself.
function yamlProblem(error: YAMLError, text: string): string {
  const what = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? ''
  const at = error.linePos?.[0]
  if (!at) return `YAML: ${what}`
  const line = text.split(/\r?\n/)[at.line - 1] ?? ''
  const where = line.trim() === '' ? 'at the end of the file' : JSON.stringify(line)
  return `YAML line ${at.line}, column ${at.col}: ${what}: ${where}`
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv, file: string): Config {
  const unset = new Map<string, string>()
  const value = interpolate(raw, env, unset) as Record<string, unknown>
  applyEnvironment(value, env)
  const result = configSchema.safeParse(value)
  if (!result.success)
    throw new ConfigError(file, describeProblems(result.error.issues, value, configSchema, unset))
  return result.data
}

// DATABASE_URL switches the store to PostgreSQL, and PORT moves the server, when the file does
// not say otherwise (the conventions of container platforms).
function applyEnvironment(value: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  if (typeof value !== 'object' || value === null) return
  const store = (value.store ?? {}) as Record<string, unknown>
  if (env.DATABASE_URL && store.url === undefined) value.store = { ...store, url: env.DATABASE_URL }
  const server = (value.server ?? {}) as Record<string, unknown>
  if (env.PORT && server.port === undefined && /^\d+$/.test(env.PORT)) {
    value.server = { ...server, port: Number(env.PORT) }
  }
}
