import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, spawnFreshet, waitFor, writeConfig } from './process.ts'

const ROOT = new URL('../../../', import.meta.url).pathname
const RULES = join(ROOT, 'deploy/prometheus/freshet-rules.yaml')
const DASHBOARD = join(ROOT, 'deploy/grafana/freshet.json')

interface Alert {
  labels: Record<string, string>
  state: string
}

/**
 * Debian's Prometheus 2.42 scrapes a running freshet, evaluates deploy/prometheus's rules, and a
 * batch that fails makes FreshetBatchesFailed fire, seen through Prometheus's own API.
 */
describe('Prometheus scraping freshet, with its alert rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-prometheus-'))
  let freshet: ReturnType<typeof spawnFreshet> | undefined
  let prometheus: ReturnType<typeof spawn> | undefined
  let freshetUrl = ''
  let prometheusUrl = ''
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${prometheusUrl}${path}`)
    const body = (await response.json()) as { status: string; data: T; error?: string }
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`)
    return body.data
  }

  beforeAll(async () => {
    // Installs Debian's prometheus package when it is missing (as root, as CI runs).
    execFileSync('sh', [join(ROOT, 'scripts/ensure-prometheus.sh')], { stdio: 'pipe' })
    const port = await freePort()
    freshetUrl = `http://127.0.0.1:${port}`
    // A pod nothing listens on: every delivery is refused and the batch fails at pods.
    const deadPod = `http://127.0.0.1:${await freePort()}`
    const file = writeConfig(dir, {
      server: { port, host: '127.0.0.1', adminToken: 'admin' },
      store: { dir: join(dir, 'store') },
      sources: { generic: { token: 'hook' } },
      pods: {
        token: 'pod-token',
        discovery: { static: [deadPod] },
        retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10, timeoutMs: 1000 },
        stageAttempts: 1,
      },
      planner: { coalesce: { windowMs: 20, maxWaitMs: 100 } },
    })
    freshet = spawnFreshet(['serve', '--config', file], {}, dir)
    await waitFor('freshet ready', async () =>
      (await fetch(`${freshetUrl}/readyz`)).ok ? true : undefined,
    )

    const promPort = await freePort()
    prometheusUrl = `http://127.0.0.1:${promPort}`
    const config = join(dir, 'prometheus.yml')
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: [${JSON.stringify(RULES)}]`,
        'scrape_configs:',
        `  - { job_name: freshet, static_configs: [{ targets: ["127.0.0.1:${port}"] }] }`,
      ].join('\n'),
    )
    execFileSync('promtool', ['check', 'rules', RULES], { stdio: 'pipe' })
    execFileSync('promtool', ['check', 'config', config], { stdio: 'pipe' })
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    )
    await waitFor('prometheus ready', async () =>
      (await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined,
    )
  }, 240_000)

  afterAll(async () => {
    prometheus?.kill('SIGTERM')
    freshet?.child.kill('SIGTERM')
    await freshet?.exited
    rmSync(dir, { recursive: true, force: true })
  })

  it('loads every rule, scrapes freshet, and fires FreshetBatchesFailed once a batch fails', async () => {
    const rules = await api<{ groups: { rules: { name: string; health: string }[] }[] }>(
      '/api/v1/rules',
    )
    const loaded = rules.groups.flatMap((g) => g.rules)
    expect(loaded.map((r) => r.name)).toContain('FreshetBatchesFailed')
    await expect
      .poll(
        async () => {
          const targets = await api<{ activeTargets: { health: string }[] }>('/api/v1/targets')
          return targets.activeTargets.map((t) => t.health)
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual(['up'])
    // Two scrapes with the counter at 0 before anything fails: increase() then sees the failure.
    await expect
      .poll(
        async () =>
          (
            await api<{ result: unknown[] }>(
              '/api/v1/query?query=count_over_time(freshet_batches_failed_total{stage="pods"}[1m])',
            )
          ).result.length,
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1)
    const alerts = async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts
    expect((await alerts()).filter((a) => a.labels.alertname === 'FreshetBatchesFailed')).toEqual(
      [],
    )

    const response = await fetch(`${freshetUrl}/hooks/generic`, {
      method: 'POST',
      headers: { authorization: 'Bearer hook', 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['/will-fail'] }),
    })
    expect(response.status).toBe(202)
    const { id } = (await response.json()) as { id: string }
    await expect
      .poll(
        async () => {
          const event = await fetch(`${freshetUrl}/api/events/${id}`, {
            headers: { authorization: 'Bearer admin' },
          })
          return ((await event.json()) as { status: string }).status
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe('failed')

    await expect
      .poll(
        async () =>
          (await alerts())
            .filter((a) => a.labels.alertname === 'FreshetBatchesFailed')
            .map((a) => ({ state: a.state, stage: a.labels.stage, severity: a.labels.severity })),
        { timeout: 30_000, interval: 500 },
      )
      .toEqual([{ state: 'firing', stage: 'pods', severity: 'warning' }])
    // And the pods that did not confirm are seen (pending: the rule waits 5 minutes).
    await expect
      .poll(
        async () =>
          (await alerts())
            .filter((a) => a.labels.alertname === 'FreshetPodsNotConfirming')
            .map((a) => a.state),
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(['pending'])
  }, 120_000)

  it('answers every query of the Grafana dashboard, over metrics freshet exports', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[]
    }
    const exported = await (await fetch(`${freshetUrl}/metrics`)).text()
    const names = new Set([...exported.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]))
    const rules = readFileSync(RULES, 'utf8')
    const used = new Set(
      [rules, ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))].flatMap((text) =>
        [...text.matchAll(/\bfreshet_[a-z_]+/g)].map((m) =>
          m[0].replace(/_(bucket|sum|count)$/, ''),
        ),
      ),
    )
    expect([...used].filter((name) => !names.has(name))).toEqual([])
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const query = target.expr.replaceAll('$job', '.*').replaceAll('$__rate_interval', '1m')
        await expect(
          api(`/api/v1/query?query=${encodeURIComponent(query)}`),
          panel.title,
        ).resolves.toBeDefined()
      }
    }
  })
})

/** promtool's rule unit tests: the paths alert follows each distribution's configured budget. */
describe('FreshetCloudFrontPathsNearBudget, under promtool test rules', () => {
  it('fires at 80 % of the budget each distribution exports, not of a fixed 1,000', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-promtool-'))
    const tests = join(dir, 'budget.test.yaml')
    // 900 paths: past 80 % of the default 1,000, well within a 5,000 budget.
    const series = (name: string, distribution: string, value: number) =>
      `      - series: '${name}{distribution="${distribution}"}'\n        values: '${value}x20'`
    writeFileSync(
      tests,
      [
        `rule_files: ['${RULES}']`,
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        series('freshet_cloudfront_month_paths', 'EDEFAULT', 900),
        series('freshet_cloudfront_month_path_budget', 'EDEFAULT', 1000),
        series('freshet_cloudfront_month_paths', 'EBIG', 900),
        series('freshet_cloudfront_month_path_budget', 'EBIG', 5000),
        '    alert_rule_test:',
        '      - eval_time: 5m',
        '        alertname: FreshetCloudFrontPathsNearBudget',
        '        exp_alerts:',
        '          - exp_labels: { severity: info, distribution: EDEFAULT }',
        '            exp_annotations:',
        '              summary: "freshet: EDEFAULT sent 900 invalidation paths this month"',
        '              description: CloudFront bills $0.005 a path past the first 1,000 each month.',
        '',
      ].join('\n'),
    )
    try {
      execFileSync('promtool', ['test', 'rules', tests], { stdio: 'pipe' })
    } catch (error) {
      throw new Error(String((error as { stdout?: Buffer }).stdout ?? error))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
