import type { Command } from 'commander';
import type { RunAction as Run } from './cli-context.js';
import { collect } from './units.js';

/** `skiff network create|ls|inspect|rm|connect|disconnect|prune`; each verb's module loads lazily. */
export function addNetworkCommand(program: Command, run: Run): void {
  const network = program.command('network').description('manage networks');
  const verbs = () => import('./commands/network.js');
  network
    .command('create')
    .description('create a network')
    .argument('<name>')
    .option('-d, --driver <driver>', 'driver to manage the network (bridge only)', 'bridge')
    .option('--subnet <cidr>', 'subnet in CIDR format, e.g. 10.211.0.0/24 (default: from the pool)')
    .option('--gateway <ip>', 'IPv4 gateway of the subnet (default: its first address)')
    .option('--internal', 'restrict external access to the network')
    .option('--label <key=value>', 'set metadata on a network', collect, [])
    .option('-o, --opt <key=value>', 'set driver specific options', collect, [])
    .action((name: string, flags) => run(async (ctx) => (await verbs()).networkCreate(ctx, name, flags)));
  network
    .command('ls')
    .alias('list')
    .description('list networks')
    .option('-q, --quiet', 'only display network IDs')
    .option(
      '-f, --filter <filter>',
      'provide filter values (e.g. driver=bridge, label=a=b, name=app)',
      collect,
      [],
    )
    .option('--format <format>', 'format output: table or json')
    .option('--json', 'same as --format json')
    .option('--no-trunc', 'do not truncate the output')
    .action((flags) => run(async (ctx) => (await verbs()).networkList(ctx, flags)));
  network
    .command('inspect')
    .description('display detailed information on one or more networks')
    .argument('<network...>')
    .option('-f, --format <template>', 'format the output using a template ({{.IPAM.Config}}) or json')
    .action((names: string[], flags) =>
      run(async (ctx) => (await verbs()).networkInspect(ctx, names, flags)),
    );
  network
    .command('rm')
    .alias('remove')
    .description('remove one or more networks')
    .argument('<network...>')
    .action((names: string[]) => run(async (ctx) => (await verbs()).networkRemove(ctx, names)));
  network
    .command('connect')
    .description('connect a container to a network')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <alias>', 'add network-scoped alias for the container', collect, [])
    .option('--ip <address>', 'IPv4 address of the container on the network')
    .action((net: string, container: string, flags) =>
      run(async (ctx) => (await verbs()).networkConnect(ctx, net, container, flags)),
    );
  network
    .command('disconnect')
    .description('disconnect a container from a network')
    .argument('<network>')
    .argument('<container>')
    .option('-f, --force', 'force the container to disconnect from a network')
    .action((net: string, container: string, flags) =>
      run(async (ctx) => (await verbs()).networkDisconnect(ctx, net, container, flags)),
    );
  network
    .command('prune')
    .description('remove all unused networks')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <filter>', 'provide filter values (e.g. until=<timestamp>, label=a=b)', collect, [])
    .action((flags) => run(async (ctx) => (await verbs()).networkPrune(ctx, flags)));
}

/** `skiff port CONTAINER [PRIVATE_PORT[/PROTO]]`. */
export function addPortCommand(program: Command, run: Run): void {
  program
    .command('port')
    .description('list port mappings or a specific mapping for the container')
    .argument('<container>')
    .argument('[port]', 'PRIVATE_PORT[/PROTO]')
    .action((container: string, which: string | undefined) =>
      run(async (ctx) => (await import('./commands/port.js')).port(ctx, container, which)),
    );
}
