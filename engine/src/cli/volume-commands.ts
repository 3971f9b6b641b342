import type { Command } from 'commander';
import type { RunAction as Run } from './cli-context.js';
import { collect } from './units.js';

/** `skiff volume create|ls|inspect|rm|prune`, over the engine's volume routes; verbs load lazily. */
export function addVolumeCommand(program: Command, run: Run): void {
  const volume = program.command('volume').description('manage volumes');
  const verbs = () => import('./commands/volume.js');
  volume
    .command('create')
    .description('create a volume')
    .argument('[name]')
    .option('-d, --driver <driver>', 'volume driver name (local only)', 'local')
    .option('--label <key=value>', 'set metadata for a volume', collect, [])
    .option('-o, --opt <key=value>', 'set driver specific options', collect, [])
    .action((name: string | undefined, flags) =>
      run(async (ctx) => (await verbs()).volumeCreate(ctx, name, flags)),
    );
  volume
    .command('ls')
    .alias('list')
    .description('list volumes')
    .option('-q, --quiet', 'only display volume names')
    .option('-f, --filter <filter>', 'provide filter values (e.g. dangling=true, label=a=b)', collect, [])
    .option('--format <format>', 'format output: table or json')
    .action((flags) => run(async (ctx) => (await verbs()).volumeList(ctx, flags)));
  volume
    .command('inspect')
    .description('display detailed information on one or more volumes')
    .argument('<volume...>')
    .option('-f, --format <template>', 'format the output using a template ({{.Mountpoint}}) or json')
    .action((names: string[], flags) => run(async (ctx) => (await verbs()).volumeInspect(ctx, names, flags)));
  volume
    .command('rm')
    .alias('remove')
    .description('remove one or more volumes')
    .argument('<volume...>')
    .option('-f, --force', 'force the removal of one or more volumes')
    .action((names: string[], flags) => run(async (ctx) => (await verbs()).volumeRemove(ctx, names, flags)));
  volume
    .command('prune')
    .description('remove unused local volumes')
    .option('-a, --all', 'remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <filter>', 'provide filter values (e.g. label=<label>)', collect, [])
    .action((flags) => run(async (ctx) => (await verbs()).volumePrune(ctx, flags)));
}
