import type { Command } from 'commander';
import type { RunAction as Run } from '../cli-context.js';
import { collect } from '../units.js';

/** The top-level words these commands add (for `main.ts`'s list of commands). */
export const ENVIRONMENT_COMMANDS = ['up', 'down', 'ls', 'prune'] as const;

const fileOption = (cmd: Command) =>
  cmd.option(
    '-f, --file <file>',
    'compose file (repeatable; default compose.yaml in this directory)',
    collect,
    [],
  );
const projectOption = (cmd: Command) =>
  cmd.option(
    '-p, --project-name <name>',
    "environment name (default: the file's name:, else the directory name)",
  );

/**
 * Dev environments from a compose file: `skiff up`, `down`, `ls` and `prune` (`logs` of services
 * lives on `skiff logs`). Each verb's module loads lazily, like every other command.
 */
export function addEnvironmentCommands(
  program: Command,
  run: Run,
  want: (...names: string[]) => boolean,
): void {
  if (want('up'))
    projectOption(fileOption(program.command('up')))
      .description('create and start a dev environment from a compose file, and print its URLs')
      .argument('[service...]', 'only these services (and what they depend on)')
      .option(
        '-d, --detach',
        'run in the background (default: follow the logs; Ctrl-C removes the environment)',
      )
      .option('--wait', 'wait until every service is healthy (or running, without a healthcheck)')
      .option('--wait-timeout <duration>', 'give up (and remove what started) after this long, e.g. 2m')
      .option('--ttl <duration>', 'remove the environment after this long even if skiff is gone, e.g. 2h')
      .option('--build', 'build images of services with build: even when they exist')
      .option('--profile <profile>', 'enable services of this profile (repeatable)', collect, [])
      .option('--json', 'print the started services and their URLs as JSON')
      .action((services: string[], flags) =>
        run(async (ctx) => (await import('./up.js')).up(ctx, services, flags)),
      );

  if (want('down'))
    projectOption(fileOption(program.command('down')))
      .description('stop and remove a dev environment: containers and networks (and volumes with -v)')
      .option('-v, --volumes', 'remove the named volumes of the environment too')
      .option('-t, --timeout <seconds>', 'seconds to wait for each container to stop before killing it')
      .action((flags) => run(async (ctx) => (await import('./down.js')).down(ctx, flags)));

  if (want('ls'))
    program
      .command('ls')
      .description('list dev environments with their status and services')
      .option('-q, --quiet', 'only display names')
      .option('--json', 'one JSON object per environment')
      .action((flags) =>
        run(async (ctx) => (await import('./environments.js')).listEnvironmentsCommand(ctx, flags)),
      );

  if (want('prune'))
    program
      .command('prune')
      .description('remove leftovers of dead sessions and of stopped or expired environments')
      .option('--sessions', 'only leftovers of sessions whose owner is gone')
      .option('--environments', 'only environments that are stopped, expired or only networks and volumes')
      .option('-f, --force', 'do not prompt for confirmation')
      .action((flags) => run(async (ctx) => (await import('./prune.js')).prune(ctx, flags)));
}
