import { createRequire } from 'node:module';
import type { Command as CommandType } from 'commander';
import type { CliAction as Action, GlobalOptions } from './cli-context.js';
import { addEnvironmentCommands, ENVIRONMENT_COMMANDS } from './commands/environment-commands.js';
import { addImageCommands, IMAGE_COMMANDS } from './image-commands.js';
import { addNetworkCommand, addPortCommand } from './network-commands.js';
import { addCreateFlags } from './run-flags.js';
import { collect } from './units.js';
import { addVolumeCommand } from './volume-commands.js';

// commander is CommonJS: `require` loads it in about half the time of an ESM `import`, which
// first scans the source for its named exports (8-9 ms against 14-20 ms here, under load).
const { Command, Option } = createRequire(import.meta.url)('commander') as typeof import('commander');
type Command = CommandType;

/**
 * The `skiff` CLI. Every command module is imported lazily inside its action, so starting the
 * CLI costs commander plus the one command that runs (`run --rm IMAGE true` has a latency goal).
 * Actions return the process exit code.
 */
async function execute(program: Command, action: Action): Promise<void> {
  const { createCliContext } = await import('./cli-context.js');
  const ctx = createCliContext(program.opts<GlobalOptions>());
  let code: number;
  try {
    code = await action(ctx);
  } catch (err) {
    code = (await import('./report-error.js')).reportError(err);
  } finally {
    ctx.client.close();
  }
  process.exit(code);
}

/**
 * The program with every command, or — when `only` names a known top-level command — with just
 * that one: parsing is the same, and `skiff run` does not pay for defining forty others.
 */
export function buildProgram(only?: string): Command {
  const want = (...names: string[]) => only === undefined || names.includes(only);
  const program = new Command('skiff')
    .description("Skiff's container engine CLI: Docker-style verbs over the engine's Docker API")
    .option(
      '-H, --host <socket>',
      'engine socket (unix:///path or /path); default $SKIFF_HOST or /run/skiff/skiff.sock',
    )
    .enablePositionalOptions()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const run = (action: Action) => execute(program, action);

  if (want('run'))
    addCreateFlags(
      program
        .command('run')
        .description('create and run a new container from an image')
        .argument('<image>')
        .argument('[command...]')
        .passThroughOptions()
        .option('-d, --detach', 'run the container in the background and print its ID')
        .addOption(new Option('--sig-proxy <bool>', 'proxy received signals to the process').default('true')),
    ).action((image: string, command: string[], flags) =>
      run(async (ctx) => (await import('./commands/run.js')).runContainer(ctx, image, command, flags)),
    );

  if (want('create'))
    addCreateFlags(
      program
        .command('create')
        .description('create a new container')
        .argument('<image>')
        .argument('[command...]')
        .passThroughOptions(),
    ).action((image: string, command: string[], flags) =>
      run(async (ctx) => (await import('./commands/run.js')).createOnly(ctx, image, command, flags)),
    );

  if (want('start'))
    program
      .command('start')
      .description('start one or more stopped containers')
      .argument('<container...>')
      .option('-a, --attach', 'attach STDOUT/STDERR and forward signals')
      .option('-i, --interactive', "attach container's STDIN")
      .action((ids: string[], flags) =>
        run(async (ctx) => (await import('./commands/lifecycle.js')).start(ctx, ids, flags)),
      );

  if (want('stop', 'restart'))
    for (const [verb, description] of [
      ['stop', 'stop one or more running containers'],
      ['restart', 'restart one or more containers'],
    ] as const) {
      program
        .command(verb)
        .description(description)
        .argument('<container...>')
        .option('-t, --timeout <seconds>', 'seconds to wait before killing the container')
        .addOption(new Option('--time <seconds>').hideHelp())
        .option('-s, --signal <signal>', 'signal to send to the container')
        .action((ids: string[], flags) =>
          run(async (ctx) => (await import('./commands/lifecycle.js')).stopOrRestart(ctx, verb, ids, flags)),
        );
    }

  if (want('kill'))
    program
      .command('kill')
      .description('kill one or more running containers')
      .argument('<container...>')
      .option('-s, --signal <signal>', 'signal to send to the container', 'KILL')
      .action((ids: string[], flags) =>
        run(async (ctx) => (await import('./commands/lifecycle.js')).kill(ctx, ids, flags)),
      );

  if (want('wait'))
    program
      .command('wait')
      .description('block until one or more containers stop, then print their exit codes')
      .argument('<container...>')
      .action((ids: string[]) =>
        run(async (ctx) => (await import('./commands/lifecycle.js')).wait(ctx, ids)),
      );

  if (want('rm'))
    program
      .command('rm')
      .description('remove one or more containers')
      .argument('<container...>')
      .option('-f, --force', 'force the removal of a running container (uses SIGKILL)')
      .option('-v, --volumes', 'remove anonymous volumes associated with the container')
      .action((ids: string[], flags) =>
        run(async (ctx) => (await import('./commands/lifecycle.js')).remove(ctx, ids, flags)),
      );

  if (want('ps'))
    program
      .command('ps')
      .description('list containers')
      .option('-a, --all', 'show all containers (default shows just running)')
      .option('-q, --quiet', 'only display container IDs')
      .option(
        '-f, --filter <filter>',
        'filter output based on conditions provided (label=…, name=…, status=…)',
        collect,
        [],
      )
      .option('-n, --last <n>', 'show n last created containers (includes all states)')
      .option('-l, --latest', 'show the latest created container (includes all states)')
      .option('--no-trunc', "don't truncate output")
      .option('--format <format>', 'format output: table or json')
      .option('--json', 'same as --format json')
      .action((flags) => run(async (ctx) => (await import('./commands/ps.js')).ps(ctx, flags)));

  if (want('logs'))
    program
      .command('logs')
      .description('fetch the logs of a container, or of dev environment services (skiff up)')
      .argument('[name...]', 'a container, or services of the environment')
      .option('-p, --project-name <name>', 'the environment whose services to show')
      .option('--file <file>', 'the compose file of the environment (repeatable)', collect, [])
      .option('-f, --follow', 'follow log output')
      .option(
        '--since <time>',
        'show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)',
      )
      .option('--until <time>', 'show logs before a timestamp or relative time')
      .option('-n, --tail <n>', 'number of lines to show from the end of the logs', 'all')
      .option('-t, --timestamps', 'show timestamps')
      .action((names: string[], flags) =>
        run(async (ctx) => (await import('./commands/env-logs.js')).logsCommand(ctx, names, flags)),
      );

  if (want('exec'))
    program
      .command('exec')
      .description('execute a command in a running container')
      .argument('<container>')
      .argument('<command...>')
      .passThroughOptions()
      .option('-i, --interactive', 'keep STDIN open even if not attached')
      .option('-t, --tty', 'allocate a pseudo-TTY')
      .option('-d, --detach', 'detached mode: run command in the background')
      .option('-e, --env <KEY=VALUE>', 'set environment variables', collect, [])
      .option('-w, --workdir <dir>', 'working directory inside the container')
      .option('-u, --user <user>', 'username or UID (format: <name|uid>[:<group|gid>])')
      .option('--privileged', 'give extended privileges to the command')
      .action((id: string, command: string[], flags) =>
        run(async (ctx) => (await import('./commands/exec.js')).exec(ctx, id, command, flags)),
      );

  if (want('cp'))
    program
      .command('cp')
      .description(
        'copy files/folders between a container and the local filesystem (use - for a tar on stdin/stdout)',
      )
      .argument('<src>', 'CONTAINER:SRC_PATH or a local path')
      .argument('<dest>', 'CONTAINER:DEST_PATH or a local path')
      .option('-a, --archive', 'archive mode (copy all uid/gid information)')
      .option('-q, --quiet', 'suppress progress output')
      .action((src: string, dest: string, flags) =>
        run(async (ctx) => (await import('./commands/cp.js')).cp(ctx, src, dest, flags)),
      );

  if (want('inspect'))
    program
      .command('inspect')
      .description('return low-level information on containers, images or networks')
      .argument('<name...>')
      .option(
        '-f, --format <template>',
        'format the output using a template ({{.Field.Sub}}, {{json .Field}}) or json',
      )
      .option('--type <type>', 'only inspect objects of the given type (container, image or network)')
      .action((names: string[], flags) =>
        run(async (ctx) => (await import('./commands/inspect.js')).inspect(ctx, names, flags)),
      );

  addImageCommands(program, run, want);

  if (want('container')) {
    const container = program.command('container').description('manage containers');
    container
      .command('inspect')
      .argument('<container...>')
      .option('-f, --format <template>', 'format the output using a template or json')
      .action((names: string[], flags) =>
        run(async (ctx) =>
          (await import('./commands/inspect.js')).inspect(ctx, names, { ...flags, type: 'container' }),
        ),
      );
    container
      .command('prune')
      .description('remove all stopped containers')
      .option('-f, --force', 'do not prompt for confirmation')
      .option('--filter <filter>', 'provide filter values', collect, [])
      .action((flags) =>
        run(async (ctx) => (await import('./commands/lifecycle.js')).pruneContainers(ctx, flags)),
      );
  }

  if (want('version'))
    program
      .command('version')
      .description('show the Skiff version information')
      .option('-f, --format <format>', 'json for machine-readable output')
      .option('--json', 'same as --format json')
      .action((flags) => run(async (ctx) => (await import('./commands/system.js')).version(ctx, flags)));

  if (want('info'))
    program
      .command('info')
      .description('display system-wide information')
      .option('-f, --format <format>', 'json for machine-readable output')
      .option('--json', 'same as --format json')
      .action((flags) => run(async (ctx) => (await import('./commands/system.js')).info(ctx, flags)));

  if (want('engine')) {
    const engine = program.command('engine').description('start, stop and query the skiffd daemon');
    engine
      .command('start')
      .description('start skiffd in the background (or in the foreground with --foreground)')
      .option('--foreground', 'run the engine in this process, logging to stderr')
      .action((flags) => run(async (ctx) => (await import('./commands/engine.js')).engineStart(ctx, flags)));
    engine
      .command('stop')
      .description('stop skiffd gracefully (SIGTERM)')
      .option('-t, --timeout <seconds>', 'seconds to wait for it to exit', '60')
      .action((flags) => run(async (ctx) => (await import('./commands/engine.js')).engineStop(ctx, flags)));
    engine
      .command('status')
      .description('tell whether skiffd answers, with its pid, socket and version')
      .option('--json', 'machine-readable output')
      .action((flags) => run(async (ctx) => (await import('./commands/engine.js')).engineStatus(ctx, flags)));
  }

  if (want('doctor'))
    program
      .command('doctor')
      .description('check the host: root, overlayfs, namespaces, cgroups, crun/runc, socket and state paths')
      .option('--json', 'machine-readable output')
      .action((flags) => run(async (ctx) => (await import('./commands/doctor.js')).doctor(ctx, flags)));

  if (want('network')) addNetworkCommand(program, run);
  if (want('port')) addPortCommand(program, run);
  if (want('volume')) addVolumeCommand(program, run);
  addEnvironmentCommands(program, run, want);

  return program;
}

/** Every top-level command name `buildProgram` knows (checked by a unit test against the program). */
export const TOP_LEVEL_COMMANDS = [
  'run',
  'create',
  'start',
  'stop',
  'restart',
  'kill',
  'wait',
  'rm',
  'ps',
  'logs',
  'exec',
  'cp',
  'inspect',
  ...IMAGE_COMMANDS,
  'container',
  'version',
  'info',
  'engine',
  'doctor',
  'network',
  'port',
  'volume',
  ...ENVIRONMENT_COMMANDS,
];

/** The command word of argv, skipping the global `-H/--host <socket>`. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-H' || a === '--host') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const word = commandWord(argv.slice(2));
  const only = word !== undefined && TOP_LEVEL_COMMANDS.includes(word) ? word : undefined;
  await buildProgram(only).parseAsync(argv);
}
