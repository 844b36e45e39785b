import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { parseConfigText } from '../../packages/freshet/src/config/load.ts'
import { type K8sObject, renderChart } from './helm.ts'
import { validateObject } from './validate.ts'

const EXAMPLE = join(import.meta.dirname, '../../examples/kubernetes')
const read = (file: string) => readFileSync(join(EXAMPLE, file), 'utf8')
const site = parseAllDocuments(read('site.yaml')).map((d) => d.toJS() as K8sObject)
const values = parse(read('freshet-values.yaml'))

// The README's "Deploy to Kubernetes": its commands, continuation lines joined.
const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
const section = readme.slice(readme.indexOf('### Deploy to Kubernetes'))
const commands = (/```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '')
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '')
const literals = (command: string | undefined) =>
  [...(command ?? '').matchAll(/--from-literal=([A-Z_a-z]+)=/g)].map((m) => m[1])

// What the README's "Deploy to Kubernetes" puts in the Secrets.
const secretEnv = {
  DATABASE_URL: 'postgres://freshet@postgres.freshet.svc:5432/freshet',
  FRESHET_ADMIN_TOKEN: 'admin',
  FRESHET_HOOK_TOKEN: 'hook',
  REVALIDATE_TOKEN: 'revalidate',
}

describe('examples/kubernetes', () => {
  it('the site’s objects match the Kubernetes API schemas', () => {
    expect(site.map((o) => o.kind)).toEqual(['Deployment', 'Service'])
    for (const object of site) validateObject(object)
  })

  it('the site’s pods get REVALIDATE_TOKEN from a Secret and serve on the port freshet calls', () => {
    const [deployment, service] = site as [K8sObject, K8sObject]
    const web = deployment.spec.template.spec.containers[0]
    expect(web.env).toContainEqual({
      name: 'REVALIDATE_TOKEN',
      valueFrom: { secretKeyRef: { name: 'site-revalidate', key: 'token' } },
    })
    const discovery = values.config.pods.discovery.kubernetes
    expect(discovery).toMatchObject({
      namespace: deployment.metadata.namespace,
      service: service.metadata.name,
    })
    // EndpointSlices carry the container port (3000), which freshet calls directly.
    expect(web.ports).toContainEqual({ name: 'http', containerPort: discovery.port })
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels)
  })

  it('the values render valid objects, RBAC in the site’s namespace, a config freshet accepts', async () => {
    const objects = await renderChart(values)
    for (const object of objects) validateObject(object)
    const role = objects.find((o) => o.kind === 'Role')
    expect(role?.metadata.namespace).toBe('site')
    const configMap = objects.find((o) => o.kind === 'ConfigMap')
    const config = parseConfigText(configMap?.data['freshet.yaml'], {
      ...process.env,
      ...secretEnv,
    })
    expect(config.store.url).toBe(secretEnv.DATABASE_URL)
    expect(config.pods?.token).toBe('revalidate')
    expect(objects.find((o) => o.kind === 'Deployment')?.spec.replicas).toBe(2)
  })

  it('the README takes a team from nothing to a first purge in at most 10 commands', async () => {
    expect(commands.length).toBeGreaterThan(0)
    expect(commands.length).toBeLessThanOrEqual(10)
    // One command a line: no `&&`, `;` or loops hiding more.
    for (const command of commands) expect(command).not.toMatch(/&&|;|\bfor\b|\|/)
    expect(commands.at(-1)).toMatch(
      /^kubectl -n freshet exec deploy\/freshet -- node \/app\/.*freshet\.js invalidate \/ --wait$/,
    )
    // The site's Secret is the one site.yaml reads.
    const siteSecret = commands.find((c) => c.startsWith('kubectl -n site create secret'))
    expect(siteSecret).toMatch(/generic site-revalidate --from-literal=token=/)
    // freshet's Secret holds every ${VAR} its config names, and the chart reads all of it.
    const secret = commands.find((c) =>
      c.startsWith('kubectl -n freshet create secret generic freshet'),
    )
    const vars = [...read('freshet-values.yaml').matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1])
    expect(new Set(literals(secret))).toEqual(
      new Set([...vars, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']),
    )
    const install = commands.find((c) => c.startsWith('helm install'))
    expect(install).toContain('-f examples/kubernetes/freshet-values.yaml')
    const distribution = /--set config\.cdn\.cloudfront\.distributionId=(\S+)/.exec(install ?? '')
    const objects = await renderChart({
      ...values,
      config: { ...values.config, cdn: { cloudfront: { distributionId: distribution?.[1] } } },
    })
    const deployment = objects.find((o) => o.kind === 'Deployment')
    expect(deployment?.spec.template.spec.containers[0].envFrom).toEqual([
      { secretRef: { name: 'freshet' } },
    ])
    const file = parse(objects.find((o) => o.kind === 'ConfigMap')?.data['freshet.yaml'])
    expect(file.cdn.cloudfront.distributionId).toBe(distribution?.[1])
  })
})
