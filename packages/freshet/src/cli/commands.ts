/**
 * The commands, one registering function each; `main.ts` registers the list. To add a command,
 * write a function here (or in a file of its own) and add it to `COMMANDS`. What a command
 * needs beyond the admin client is imported when it runs: `status` should not load the AWS SDK.
 */
import type { Command } from 'commander'
import type { EventSummary, EventView } from '../http/page/client/types.ts'
import { adminClient, CliError } from './client.ts'
import { followEvent } from './follow.ts'
import { eventsText, eventText, simulationText } from './format.ts'
import { readInput } from './input.ts'

interface RemoteOptions {
  url: string
  token?: string
  json?: boolean
  wait?: boolean
  timeout: string
}

const remote = (command: Command) =>
  command
    .option(
      '--url <url>',
      'the freshet server (default: $FRESHET_URL, else http://127.0.0.1:8787)',
      process.env.FRESHET_URL ?? 'http://127.0.0.1:8787',
    )
    .option('--token <token>', 'admin token (default: $FRESHET_ADMIN_TOKEN)')
    .option('--json', 'print JSON for scripts instead of text')

const waiting = (command: Command) =>
  command
    .option('-w, --wait', 'follow the event live until it ends; exit 0 on completed, 1 on failed')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 4)', '600')

function timeoutOf(options: RemoteOptions): number {
  const seconds = Number(options.timeout)
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new CliError(
      `[freshet] --timeout: expected seconds, e.g. 120, got "${options.timeout}"`,
      2,
    )
  return seconds
}

// With --wait, --json prints one object per line (the answer, then each change): JSON lines.
const print = (options: RemoteOptions, value: unknown, text: () => string) =>
  console.log(options.json ? JSON.stringify(value, null, options.wait ? undefined : 2) : text())

/** Follows when --wait is given: the exit code is the event's outcome. */
async function maybeFollow(options: RemoteOptions, id: string) {
  if (!options.wait) return
  process.exitCode = await followEvent(adminClient(options), id, {
    timeoutSeconds: timeoutOf(options),
    json: options.json === true,
  })
}

function serve(program: Command) {
  program
    .command('serve')
    .description('run the service: webhooks, pipeline, admin API and web page')
    .action(async () => {
      // Traces, when the environment asks: before anything loads pg or the AWS SDK (the
      // config's schema does), so their instrumentations patch them.
      const { startTracing } = await import('../observability/tracing.ts')
      await startTracing()
      const { loadConfig } = await import('../config/load.ts')
      const { config, file } = loadConfig(program.opts().config)
      const { serveService } = await import('../service.ts')
      await serveService(config, file)
    })
}

function invalidate(program: Command) {
  waiting(remote(program.command('invalidate')))
    .description('purge paths and tags by hand: every pod, then the CDN')
    .argument('[paths...]', 'paths such as /articles/hello')
    .option('-t, --tag <tag...>', 'cache tags')
    .action(async (paths: string[], options: RemoteOptions & { tag?: string[] }) => {
      if (paths.length === 0 && !options.tag?.length)
        throw new CliError('[freshet] invalidate: give paths (/articles/hello) or --tag TAG', 2)
      if (options.wait) timeoutOf(options)
      const answer = (await adminClient(options).post('/api/invalidations', {
        paths,
        tags: options.tag ?? [],
      })) as { id: string; status: string }
      print(options, answer, () => `event ${answer.id} ${answer.status}`)
      await maybeFollow(options, answer.id)
    })
}

function status(program: Command) {
  waiting(remote(program.command('status')))
    .description('an event in short: stage, pods confirmed, invalidations, times, error')
    .argument('<id>', 'event id (npx freshet events lists them)')
    .action(async (id: string, options: RemoteOptions) => {
      if (options.wait) {
        timeoutOf(options)
        return maybeFollow(options, id)
      }
      const view = (await adminClient(options).get(
        `/api/events/${encodeURIComponent(id)}`,
      )) as EventView
      print(options, view, () => eventText(view))
    })
}

function events(program: Command) {
  remote(program.command('events'))
    .description('the recent events, newest first')
    .option(
      '-s, --status <status>',
      'only these: received, planning, pods, cdn, tracking, completed, failed…',
    )
    .option('--source <source>', 'only from this source: generic, directus, contentful, manual…')
    .option('-n, --limit <n>', 'how many', '20')
    .action(
      async (options: RemoteOptions & { status?: string; source?: string; limit: string }) => {
        const query = new URLSearchParams({ limit: options.limit })
        if (options.status) query.set('status', options.status)
        if (options.source) query.set('source', options.source)
        const answer = (await adminClient(options).get(`/api/events?${query}`)) as {
          events: EventSummary[]
        }
        print(options, answer, () => eventsText(answer.events))
      },
    )
}

function retry(program: Command) {
  waiting(remote(program.command('retry')))
    .description('resume a failed event at the stage that failed')
    .argument('<id>', 'event id')
    .action(async (id: string, options: RemoteOptions) => {
      if (options.wait) timeoutOf(options)
      const answer = (await adminClient(options).post(
        `/api/events/${encodeURIComponent(id)}/retry`,
      )) as { id: string; status: string }
      print(options, answer, () => `event ${answer.id} resumes at ${answer.status}`)
      await maybeFollow(options, id)
    })
}

function simulate(program: Command) {
  remote(program.command('simulate'))
    .description('what a webhook would purge, and why; changes nothing')
    .requiredOption('-s, --source <name>', 'directus, contentful or generic')
    .option('-f, --file <file>', 'webhook body (default: standard input)')
    .option('-H, --header <header...>', 'webhook headers, "Name: value" (e.g. X-Contentful-Topic)')
    .action(
      async (options: RemoteOptions & { source: string; file?: string; header?: string[] }) => {
        const body = await readInput(options.file)
        const headers = Object.fromEntries(
          (options.header ?? []).map((h: string) => [
            h.slice(0, h.indexOf(':')).trim(),
            h.slice(h.indexOf(':') + 1).trim(),
          ]),
        )
        const answer = (await adminClient(options).post('/api/simulate', {
          source: options.source,
          body,
          headers,
        })) as Parameters<typeof simulationText>[0]
        print(options, answer, () => simulationText(answer))
      },
    )
}

function doctor(program: Command) {
  program
    .command('doctor')
    .description(
      'check with the configured credentials what freshet will do: store, CMS, pods, CDN',
    )
    .action(async () => {
      const { runDoctor } = await import('./doctor.ts')
      process.exitCode = await runDoctor(program.opts().config)
    })
}

function reconcile(program: Command) {
  program
    .command('reconcile')
    .description(
      'turn CMS changes no webhook delivered into events (--once: one run, for a CronJob)',
    )
    .option('--once', 'one run, then exit')
    .option('-s, --source <name>', 'only this source (directus)')
    .action(async (options: { once?: boolean; source?: string }) => {
      const { loadConfig } = await import('../config/load.ts')
      const { config } = loadConfig(program.opts().config)
      const { runReconcile } = await import('./reconcile.ts')
      process.exitCode = await runReconcile(config, options)
    })
}

function config(program: Command) {
  program
    .command('config')
    .description('configuration helpers')
    .command('schema')
    .description('print the JSON Schema of freshet.yaml')
    .action(async () => (await import('./schema.ts')).printSchema())
}

export const COMMANDS: readonly ((program: Command) => void)[] = [
  serve,
  invalidate,
  status,
  events,
  retry,
  simulate,
  doctor,
  reconcile,
  config,
]
