import { Command } from 'commander'
import { ConfigError, loadConfig } from '../config/load.ts'
import { adminClient } from './client.ts'
import { runDoctor } from './doctor.ts'
import { readInput } from './input.ts'
import { printSchema } from './schema.ts'

const program = new Command('freshet')
  .description(
    'On-demand cache invalidation: CMS webhook → every Next.js pod → CloudFront, tracked until Completed.',
  )
  .option(
    '-c, --config <file>',
    'configuration file (default: $FRESHET_CONFIG, else ./freshet.yaml)',
  )

const remote = (command: Command) =>
  command
    .option('--url <url>', 'freshet server', process.env.FRESHET_URL ?? 'http://127.0.0.1:8787')
    .option('--token <token>', 'admin token (default: $FRESHET_ADMIN_TOKEN)')

program
  .command('serve')
  .description('run the service: webhooks, pipeline, admin API and web page')
  .action(async () => {
    const { config, file } = loadConfig(program.opts().config)
    const { serveService } = await import('../service.ts')
    await serveService(config, file)
  })

remote(program.command('invalidate'))
  .description('purge paths and tags by hand (every pod, then the CDN)')
  .argument('[paths...]', 'paths such as /articles/hello')
  .option('-t, --tag <tag...>', 'cache tags')
  .action(async (paths: string[], options) => {
    const answer = await adminClient(options).post('/api/invalidations', {
      paths,
      tags: options.tag ?? [],
    })
    console.log(JSON.stringify(answer, null, 2))
  })

remote(program.command('status'))
  .description('an event, from webhook to Completed (or the recent events)')
  .argument('[id]', 'event id')
  .action(async (id: string | undefined, options) => {
    const answer = await adminClient(options).get(
      id ? `/api/events/${encodeURIComponent(id)}` : '/api/events?limit=20',
    )
    console.log(JSON.stringify(answer, null, 2))
  })

remote(program.command('simulate'))
  .description('what a webhook would purge, and why; changes nothing')
  .requiredOption('-s, --source <name>', 'directus, contentful or generic')
  .option('-f, --file <file>', 'webhook body (default: standard input)')
  .option('-H, --header <header...>', 'webhook headers, "Name: value" (e.g. X-Contentful-Topic)')
  .action(async (options) => {
    const body = await readInput(options.file)
    const headers = Object.fromEntries(
      (options.header ?? []).map((h: string) => [
        h.slice(0, h.indexOf(':')).trim(),
        h.slice(h.indexOf(':') + 1).trim(),
      ]),
    )
    const answer = await adminClient(options).post('/api/simulate', {
      source: options.source,
      body,
      headers,
    })
    console.log(JSON.stringify(answer, null, 2))
  })

program
  .command('doctor')
  .description('check config, store, CMS, pods and CDN reachability')
  .action(async () => {
    process.exitCode = await runDoctor(program.opts().config)
  })

program
  .command('reconcile')
  .description('turn CMS changes no webhook delivered into events (--once: one run, for a CronJob)')
  .option('--once', 'one run, then exit')
  .option('-s, --source <name>', 'only this source (directus)')
  .action(async (options) => {
    const { config } = loadConfig(program.opts().config)
    const { runReconcile } = await import('./reconcile.ts')
    process.exitCode = await runReconcile(config, options)
  })

program
  .command('config')
  .description('configuration helpers')
  .command('schema')
  .description('print the JSON Schema of freshet.yaml')
  .action(() => printSchema())

try {
  await program.parseAsync()
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exitCode = 2
  } else {
    console.error(`[freshet] ${(error as Error).message}`)
    process.exitCode = 1
  }
}
