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
})
