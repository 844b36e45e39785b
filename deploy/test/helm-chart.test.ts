// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in values is freshet.yaml's interpolation, rendered as is
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CHART, ensureHelm, type K8sObject, lintChart, renderChart, renderError } from './helm.ts'
import { validateObject } from './validate.ts'

const postgres = { store: { url: '${DATABASE_URL}' } }
const secrets = {
  secretEnv: [
    { name: 'DATABASE_URL', secretName: 'freshet-db', key: 'url' },
    { name: 'REVALIDATE_TOKEN', secretName: 'site-revalidate', key: 'token' },
  ],
}
const pods = (discovery: object) => ({ token: '${REVALIDATE_TOKEN}', discovery })
const kubernetes = { kubernetes: { namespace: 'site', service: 'web', port: 3000 } }

// The matrix: each store, each discovery kind, ingress, network policy and monitoring on and off.
const MATRIX: Record<string, object> = {
  'embedded (defaults)': {},
  'embedded, static pods': { config: { pods: pods({ static: ['http://10.0.0.7:3000'] }) } },
  'PostgreSQL, 3 replicas, kubernetes discovery, everything on': {
    replicaCount: 3,
    config: { ...postgres, pods: pods(kubernetes) },
    ...secrets,
    envFromSecrets: ['freshet-aws'],
    ingress: { enabled: true, className: 'nginx', tls: [{ hosts: ['freshet.example.com'] }] },
    networkPolicy: {
      enabled: true,
      from: [{ podSelector: { matchLabels: { app: 'prometheus' } } }],
    },
    metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
    reconcileCronJob: { enabled: true },
  },
  'PostgreSQL, dns discovery, everything off': {
    config: { ...postgres, pods: pods({ dns: { name: 'web-headless.site.svc', port: 3000 } }) },
    ...secrets,
    podDisruptionBudget: { enabled: false },
    topologySpread: { enabled: false },
  },
}

const rendered = new Map<string, K8sObject[]>()
const one = (objects: K8sObject[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind)
  expect(found, kind).toHaveLength(1)
  return found[0] as K8sObject
}
const container = (objects: K8sObject[]) =>
  one(objects, 'Deployment').spec.template.spec.containers[0]
/** Whether a label selector's matchLabels select a pod with these labels. */
const selects = (matchLabels: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(matchLabels).every(([key, value]) => labels[key] === value)
const everythingOn = () =>
  rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []

beforeAll(async () => {
  ensureHelm()
  for (const [name, values] of Object.entries(MATRIX)) rendered.set(name, await renderChart(values))
}, 120_000)

describe('the chart renders valid Kubernetes objects', () => {
  it.each(Object.keys(MATRIX))('%s: helm lint passes', async (name) => {
    expect(await lintChart(MATRIX[name] ?? {})).toContain('0 chart(s) failed')
  })

  it.each(Object.keys(MATRIX))('%s: every object matches its API schema', (name) => {
    const objects = rendered.get(name) ?? []
    expect(objects.length).toBeGreaterThanOrEqual(4)
    for (const object of objects) validateObject(object)
  })

  it('the validation fails on an object the API would refuse', () => {
    const deployment = structuredClone(one(rendered.get('embedded (defaults)') ?? [], 'Deployment'))
    deployment.spec.replicas = 'two'
    expect(() => validateObject(deployment)).toThrow(/Deployment freshet/)
  })

  it('values.schema.json refuses unknown and mistyped values', async () => {
    expect(await renderError({ replicas: 3 })).toMatch(/additional properties 'replicas'|replicas/)
    expect(await renderError({ securityContext: { readOnlyRootFilesystem: false } })).toMatch(
      /readOnlyRootFilesystem/,
    )
  })
})

describe('replicas follow the store', () => {
  it('embedded: exactly 1 replica, a PersistentVolumeClaim, the old pod stops first', () => {
    const objects = rendered.get('embedded (defaults)') ?? []
    const deployment = one(objects, 'Deployment')
    expect(deployment.spec.replicas).toBe(1)
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' })
    const claim = one(objects, 'PersistentVolumeClaim')
    const volumes = deployment.spec.template.spec.volumes
    expect(volumes).toContainEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: claim.metadata.name },
    })
    expect(container(objects).volumeMounts).toContainEqual({
      name: 'data',
      mountPath: '/var/lib/freshet',
    })
  })

  it('embedded with more than 1 replica fails at template time, saying why', async () => {
    expect(await renderError({ replicaCount: 2 })).toMatch(
      /replicaCount 2 needs PostgreSQL: the embedded store .* exactly 1 replica/,
    )
  })

  it('PostgreSQL: at least 2 replicas, no volume claim, a rolling update never at zero ready', async () => {
    const objects = rendered.get('PostgreSQL, dns discovery, everything off') ?? []
    const deployment = one(objects, 'Deployment')
    expect(deployment.spec.replicas).toBe(2)
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    })
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([])
    const three = rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    expect(one(three, 'Deployment').spec.replicas).toBe(3)
    expect(await renderError({ replicaCount: 1, config: postgres })).toMatch(/at least 2 replicas/)
  })
})

describe('config and secrets', () => {
  it('renders config: into freshet.yaml, read through FRESHET_CONFIG', () => {
    const objects =
      rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    const file = parse(one(objects, 'ConfigMap').data['freshet.yaml'])
    expect(file.store.url).toBe('${DATABASE_URL}')
    expect(file.pods.discovery).toEqual(kubernetes)
    expect(container(objects).env).toContainEqual({
      name: 'FRESHET_CONFIG',
      value: '/etc/freshet/freshet.yaml',
    })
  })

  it('takes secrets only by reference to existing Secrets', () => {
    const objects =
      rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([])
    const env = container(objects).env
    expect(env).toContainEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'freshet-db', key: 'url' } },
    })
    expect(container(objects).envFrom).toEqual([{ secretRef: { name: 'freshet-aws' } }])
  })

  it('a change of config rolls the pods (checksum annotation)', async () => {
    const checksum = (objects: K8sObject[]) =>
      one(objects, 'Deployment').spec.template.metadata.annotations['checksum/config']
    const before = checksum(rendered.get('embedded (defaults)') ?? [])
    expect(before).toMatch(/^[0-9a-f]{64}$/)
    expect(checksum(await renderChart({}))).toBe(before)
    const changed = await renderChart({ config: { server: { shutdownGraceMs: 20_000 } } })
    expect(checksum(changed)).not.toBe(before)
  })
})

describe('least privilege', () => {
  it('kubernetes discovery: list and watch EndpointSlices, in the site’s namespace only', () => {
    const objects =
      rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    const role = one(objects, 'Role')
    expect(role.metadata.namespace).toBe('site')
    expect(role.rules).toEqual([
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ])
    const binding = one(objects, 'RoleBinding')
    expect(binding.metadata.namespace).toBe('site')
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: role.metadata.name,
    })
    const account = one(objects, 'ServiceAccount')
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: account.metadata.name, namespace: 'freshet' },
    ])
    expect(one(objects, 'Deployment').spec.template.spec.automountServiceAccountToken).toBe(true)
  })

  it.each(['embedded, static pods', 'PostgreSQL, dns discovery, everything off'])(
    '%s: no Role, no token mounted',
    (name) => {
      const objects = rendered.get(name) ?? []
      one(objects, 'ServiceAccount')
      expect(objects.filter((o) => /Role|Binding/.test(o.kind))).toEqual([])
      expect(one(objects, 'Deployment').spec.template.spec.automountServiceAccountToken).toBe(false)
    },
  )

  it('nothing cluster-wide in any rendering', () => {
    for (const objects of rendered.values())
      expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([])
  })

  it.each(Object.keys(MATRIX))(
    '%s: non-root, read-only root, no capabilities, RuntimeDefault seccomp',
    (name) => {
      const objects = rendered.get(name) ?? []
      const pods = objects.flatMap((o) =>
        o.kind === 'Deployment'
          ? [o.spec.template.spec]
          : o.kind === 'CronJob'
            ? [o.spec.jobTemplate.spec.template.spec]
            : [],
      )
      for (const pod of pods) {
        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        })
        for (const c of pod.containers)
          expect(c.securityContext).toEqual({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          })
      }
    },
  )
})

describe('probes, shutdown, resources, spread', () => {
  it('probes readiness on /readyz and liveness on /healthz, with a startup probe', () => {
    const c = container(rendered.get('embedded (defaults)') ?? [])
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' })
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
    expect(c.startupProbe.httpGet.path).toBe('/readyz')
  })

  it('resources from bench/resources.ts per store, or as given', async () => {
    expect(container(rendered.get('embedded (defaults)') ?? []).resources).toEqual({
      requests: { cpu: '100m', memory: '640Mi' },
      limits: { memory: '1536Mi' },
    })
    const postgresRendering = rendered.get('PostgreSQL, dns discovery, everything off') ?? []
    expect(container(postgresRendering).resources).toEqual({
      requests: { cpu: '250m', memory: '320Mi' },
      limits: { memory: '640Mi' },
    })
    const given = { requests: { cpu: '1', memory: '1Gi' } }
    expect(container(await renderChart({ resources: given })).resources).toEqual(given)
  })

  it('gives Kubernetes longer than server.shutdownGraceMs before it kills', async () => {
    const grace = (objects: K8sObject[]) =>
      one(objects, 'Deployment').spec.template.spec.terminationGracePeriodSeconds
    expect(grace(rendered.get('embedded (defaults)') ?? [])).toBeGreaterThan(10)
    const longer = await renderChart({ config: { server: { shutdownGraceMs: 45_500 } } })
    expect(grace(longer)).toBeGreaterThan(46)
    expect(
      await renderError({
        config: { server: { shutdownGraceMs: 30_000 } },
        terminationGracePeriodSeconds: 30,
      }),
    ).toMatch(/terminationGracePeriodSeconds 30 must exceed config.server.shutdownGraceMs/)
  })

  it('a disruption budget and topology spread unless switched off', () => {
    const on = rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    expect(one(on, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1)
    const spread = one(on, 'Deployment').spec.template.spec.topologySpreadConstraints
    expect(spread.map((s: { topologyKey: string }) => s.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ])
    const off = rendered.get('PostgreSQL, dns discovery, everything off') ?? []
    expect(off.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([])
    expect(one(off, 'Deployment').spec.template.spec.topologySpreadConstraints).toBeUndefined()
  })
})

describe('exposure and the optional parts', () => {
  it('the Ingress exposes only /hooks/', () => {
    const objects =
      rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    const paths = one(objects, 'Ingress').spec.rules.flatMap(
      (rule: { http: { paths: unknown[] } }) => rule.http.paths,
    )
    expect(paths).toEqual([
      {
        path: '/hooks/',
        pathType: 'Prefix',
        backend: { service: { name: 'freshet', port: { name: 'http' } } },
      },
    ])
  })

  it('monitoring, network policy, ingress and the CronJob only when asked', () => {
    const off = rendered.get('PostgreSQL, dns discovery, everything off') ?? []
    const on = rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    for (const kind of [
      'Ingress',
      'NetworkPolicy',
      'ServiceMonitor',
      'PrometheusRule',
      'CronJob',
    ]) {
      expect(off.filter((o) => o.kind === kind)).toEqual([])
      one(on, kind)
    }
    expect(one(on, 'ServiceMonitor').spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', interval: '30s' },
    ])
  })

  it('the Service sends its one port, http, to the replicas’ http port, and to nothing else', async () => {
    const objects = everythingOn()
    const service = one(objects, 'Service')
    expect(service.spec.type).toBe('ClusterIP')
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 8787, targetPort: 'http', protocol: 'TCP' },
    ])
    expect(container(objects).ports).toEqual([
      { name: 'http', containerPort: 8787, protocol: 'TCP' },
    ])
    const labels = one(objects, 'Deployment').spec.template.metadata.labels
    expect(selects(service.spec.selector, labels)).toBe(true)
    const cronPod = one(objects, 'CronJob').spec.jobTemplate.spec.template.metadata.labels
    expect(selects(service.spec.selector, cronPod)).toBe(false)
    const moved = await renderChart({ config: { server: { port: 9000 } }, service: { port: 80 } })
    expect(one(moved, 'Service').spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' })
    expect(container(moved).ports[0].containerPort).toBe(9000)
  })

  it('the NetworkPolicy admits only the ingress controller and the peers given, on http', () => {
    const objects = everythingOn()
    const policy = one(objects, 'NetworkPolicy')
    const labels = one(objects, 'Deployment').spec.template.metadata.labels
    expect(selects(policy.spec.podSelector.matchLabels, labels)).toBe(true)
    expect(policy.spec.policyTypes).toEqual(['Ingress'])
    expect(policy.spec.ingress).toEqual([
      {
        ports: [{ port: 'http', protocol: 'TCP' }],
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
          },
          { podSelector: { matchLabels: { app: 'prometheus' } } },
        ],
      },
    ])
  })

  it('the CronJob’s pods are not replicas: no selector of the Deployment’s matches them', () => {
    const objects = everythingOn()
    const deployment = one(objects, 'Deployment')
    const replica = deployment.spec.template.metadata.labels
    const reconcile = one(objects, 'CronJob').spec.jobTemplate.spec.template.metadata.labels
    expect(reconcile['app.kubernetes.io/component']).toBe('reconcile')
    const selectors: Record<string, Record<string, string>> = {
      'Deployment selector': deployment.spec.selector.matchLabels,
      PodDisruptionBudget: one(objects, 'PodDisruptionBudget').spec.selector.matchLabels,
      Service: one(objects, 'Service').spec.selector,
      ...Object.fromEntries(
        deployment.spec.template.spec.topologySpreadConstraints.map(
          (c: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }) => [
            `topology spread ${c.topologyKey}`,
            c.labelSelector.matchLabels,
          ],
        ),
      ),
    }
    for (const [name, matchLabels] of Object.entries(selectors)) {
      expect(selects(matchLabels, replica), name).toBe(true)
      expect(selects(matchLabels, reconcile), name).toBe(false)
    }
  })

  it('the CronJob runs `freshet reconcile --once` and never overlaps itself', () => {
    const on = rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    const job = one(on, 'CronJob')
    expect(job.spec.concurrencyPolicy).toBe('Forbid')
    expect(job.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual([
      'reconcile',
      '--once',
    ])
  })

  it('the PrometheusRule carries the chart’s rule file, whose alerts cover the issue’s cases', () => {
    const on = rendered.get('PostgreSQL, 3 replicas, kubernetes discovery, everything on') ?? []
    const file = parse(readFileSync(join(CHART, 'files/freshet-rules.yaml'), 'utf8'))
    expect(one(on, 'PrometheusRule').spec.groups).toEqual(file.groups)
    const alerts = file.groups.flatMap((g: { rules: { alert: string }[] }) =>
      g.rules.map((r) => r.alert),
    )
    expect(alerts).toEqual(
      expect.arrayContaining([
        'FreshetBatchesFailed',
        'FreshetEventStuck',
        'FreshetPodsNotConfirming',
        'FreshetCloudFrontErrors',
        'FreshetCloudFrontThrottled',
      ]),
    )
  })

  // deploy/prometheus/freshet-rules.yaml (the alert rules' own home, tested with Prometheus)
  // is the source; the chart ships a copy, since a chart cannot read outside itself.
  it('the chart’s rule file is deploy/prometheus/freshet-rules.yaml', () => {
    const source = readFileSync(join(CHART, '../../prometheus/freshet-rules.yaml'), 'utf8')
    expect(parse(readFileSync(join(CHART, 'files/freshet-rules.yaml'), 'utf8')).groups).toEqual(
      parse(source).groups,
    )
  })
})
