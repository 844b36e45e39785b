import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { CliError } from './client.ts'
import { COMMANDS } from './commands.ts'
import { environmentHelp, exitCodesHelp } from './environment.ts'

// From src/cli or dist/cli alike, the package's own manifest.
const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string }

const program = new Command('freshet')
  .description(
    'On-demand cache invalidation: CMS webhook → every Next.js pod → CloudFront, tracked until Completed.',
  )
  .version(version, '-V, --version', 'print the version')
  .option(
    '-c, --config <file>',
    'configuration file (default: $FRESHET_CONFIG, else ./freshet.yaml)',
  )
  .addHelpText('after', environmentHelp() + exitCodesHelp())
  .exitOverride()

for (const register of COMMANDS) register(program)
for (const command of program.commands) command.exitOverride()

try {
  await program.parseAsync()
} catch (error) {
  if (error instanceof CommanderError) {
    // commander printed it; help and --version are not errors.
    process.exitCode = error.exitCode === 0 ? 0 : 2
  } else if ((error as Error).name === 'ConfigError') {
    // (by name: importing config/load.ts would load every schema for every command)
    console.error((error as Error).message)
    process.exitCode = 2
  } else if (error instanceof CliError) {
    console.error(error.message)
    process.exitCode = error.exitCode
  } else {
    console.error(unexpected(error as Error & { code?: string; path?: string }))
    process.exitCode = 1
  }
}

/**
 * An error no command turned into a CliError. freshet's own (`[freshet] …`) already end with the
 * fix; a foreign one (a file system or library error) gets one.
 */
function unexpected(error: Error & { code?: string; path?: string }): string {
  if (error.message.startsWith('[freshet]')) return error.message
  const message = `[freshet] ${error.message}`
  if (error.code === 'ENOENT' || error.code === 'EISDIR')
    return `${message}: check the path (a file; relative paths start at ${process.cwd()})`
  if (error.code === 'EACCES' || error.code === 'EPERM')
    return `${message}: this user may not open it; change its permissions or run as its owner`
  return (
    `${message}: freshet did not expect this; check the command against ` +
    'npx freshet <command> --help, and if it is right, report this line with the command you ran'
  )
}
