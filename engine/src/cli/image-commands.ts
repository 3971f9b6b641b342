import type { Command } from 'commander';
import type { RunAction as Run } from './cli-context.js';
import { collect } from './units.js';

/** The top-level words these commands add (for `main.ts`'s list of commands). */
export const IMAGE_COMMANDS = [
  'images',
  'rmi',
  'tag',
  'pull',
  'push',
  'import',
  'save',
  'load',
  'image',
  'build',
  'login',
  'logout',
  'registry',
] as const;

/**
 * Images, builds and registries: `images`, `rmi`, `tag`, `pull`, `push`, `import`, `save`, `load`,
 * the `image` group, `build`, `login`, `logout` and `registry serve`. Each verb's module is
 * imported inside its action; `want` says which top-level words to define.
 */
export function addImageCommands(program: Command, run: Run, want: (...names: string[]) => boolean): void {
  const imageList = (cmd: Command) =>
    cmd
      .option('-a, --all', 'show all images')
      .option('-q, --quiet', 'only show image IDs')
      .option('-f, --filter <filter>', 'filter output based on conditions provided', collect, [])
      .option('--no-trunc', "don't truncate output")
      .option('--digests', 'show digests')
      .option('--format <format>', 'format output: table or json')
      .option('--json', 'same as --format json')
      .action((flags) => run(async (ctx) => (await import('./commands/images.js')).listImages(ctx, flags)));
  if (want('images')) imageList(program.command('images').description('list images'));

  const rmi = (cmd: Command) =>
    cmd
      .argument('<image...>')
      .option('-f, --force', 'force removal of the image')
      .option('--no-prune', 'do not delete untagged parents')
      .action((refs: string[], flags) =>
        run(async (ctx) => (await import('./commands/images.js')).removeImages(ctx, refs, flags)),
      );
  if (want('rmi')) rmi(program.command('rmi').description('remove one or more images'));

  const tag = (cmd: Command) =>
    cmd
      .argument('<source>', 'SOURCE_IMAGE[:TAG]')
      .argument('<target>', 'TARGET_IMAGE[:TAG]')
      .action((source: string, target: string) =>
        run(async (ctx) => (await import('./commands/images.js')).tagImage(ctx, source, target)),
      );
  if (want('tag'))
    tag(program.command('tag').description('create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'));

  const pull = (cmd: Command) =>
    cmd
      .argument('<image>')
      .option('--platform <platform>', 'set platform if server is multi-platform capable')
      .option('-q, --quiet', 'suppress verbose output')
      .action((ref: string, flags) =>
        run(async (ctx) => (await import('./commands/images.js')).pull(ctx, ref, flags)),
      );
  if (want('pull')) pull(program.command('pull').description('download an image from a registry'));

  const push = (cmd: Command) =>
    cmd
      .argument('<image>')
      .option('-q, --quiet', 'suppress verbose output')
      .action((ref: string, flags) =>
        run(async (ctx) => (await import('./commands/images.js')).push(ctx, ref, flags)),
      );
  if (want('push')) push(program.command('push').description('upload an image to a registry'));

  const importCmd = (cmd: Command) =>
    cmd
      .argument('<file>', 'a tar archive (optionally compressed), or - for stdin')
      .argument('[reference]', 'REPOSITORY[:TAG]')
      .option(
        '-c, --change <instruction>',
        'apply a Dockerfile instruction to the created image',
        collect,
        [],
      )
      .option('-m, --message <message>', 'set commit message for imported image')
      .option('--platform <platform>', 'set platform if server is multi-platform capable')
      .action((file: string, ref: string | undefined, flags) =>
        run(async (ctx) => (await import('./commands/image-archive.js')).importImage(ctx, file, ref, flags)),
      );
  if (want('import'))
    importCmd(
      program
        .command('import')
        .description('import the contents from a tarball to create a filesystem image'),
    );

  const save = (cmd: Command) =>
    cmd
      .argument('<image...>')
      .option('-o, --output <file>', 'write to a file, instead of STDOUT')
      .action((refs: string[], flags) =>
        run(async (ctx) => (await import('./commands/image-archive.js')).saveImages(ctx, refs, flags)),
      );
  if (want('save'))
    save(
      program.command('save').description('save one or more images to a tar archive (docker save format)'),
    );

  const load = (cmd: Command) =>
    cmd
      .option('-i, --input <file>', 'read from tar archive file, instead of STDIN')
      .option('-q, --quiet', 'suppress the load output')
      .action((flags) =>
        run(async (ctx) => (await import('./commands/image-archive.js')).loadImages(ctx, flags)),
      );
  if (want('load')) load(program.command('load').description('load an image from a tar archive or STDIN'));

  const history = (cmd: Command) =>
    cmd
      .argument('<image>')
      .option('-q, --quiet', 'only show image IDs')
      .option('--no-trunc', "don't truncate output")
      .option('--format <format>', 'format output: table or json')
      .action((ref: string, flags) =>
        run(async (ctx) => (await import('./commands/images.js')).history(ctx, ref, flags)),
      );

  const prune = (cmd: Command) =>
    cmd
      .option('-a, --all', 'remove all unused images, not just dangling ones')
      .option('-f, --force', 'do not prompt for confirmation')
      .option('--filter <filter>', 'provide filter values (e.g. until=<timestamp>)', collect, [])
      .action((flags) => run(async (ctx) => (await import('./commands/images.js')).pruneImages(ctx, flags)));

  if (want('image')) {
    const image = program.command('image').description('manage images');
    imageList(image.command('ls').alias('list').description('list images'));
    rmi(image.command('rm').alias('remove').description('remove one or more images'));
    tag(image.command('tag').description('create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'));
    pull(image.command('pull').description('download an image from a registry'));
    push(image.command('push').description('upload an image to a registry'));
    importCmd(
      image.command('import').description('import the contents from a tarball to create a filesystem image'),
    );
    save(image.command('save').description('save one or more images to a tar archive'));
    load(image.command('load').description('load an image from a tar archive or STDIN'));
    history(image.command('history').description('show the history of an image'));
    prune(image.command('prune').description('remove unused images'));
    image
      .command('inspect')
      .description('display detailed information on one or more images')
      .argument('<image...>')
      .option('-f, --format <template>', 'format the output using a template or json')
      .action((names: string[], flags) =>
        run(async (ctx) =>
          (await import('./commands/inspect.js')).inspect(ctx, names, { ...flags, type: 'image' }),
        ),
      );
  }

  if (want('build'))
    program
      .command('build')
      .description('build an image from a Dockerfile')
      .argument('<path>', 'the build context directory')
      .option('-t, --tag <name>', 'name and optionally a tag (name:tag); repeatable', collect, [])
      .option(
        '--build-arg <arg>',
        'a build-time variable: KEY=VALUE, or KEY from the environment',
        collect,
        [],
      )
      .option('--label <label>', 'set metadata on the image: KEY=VALUE', collect, [])
      .option('--target <stage>', 'build this stage and stop')
      .option('-f, --file <file>', 'the Dockerfile (default PATH/Dockerfile; - reads it from stdin)')
      .option('--no-cache', 'run every step, ignoring the build cache')
      .option('--pull', 'always pull the FROM images again')
      .option('-q, --quiet', 'print only the image ID')
      .option('--network <mode>', 'network of RUN steps: default, host, none or bridge')
      .option('--platform <platform>', 'the platform FROM images must have')
      .action((contextDir: string, flags) =>
        run(async (ctx) => (await import('./commands/build.js')).build(ctx, contextDir, flags)),
      );

  if (want('login'))
    program
      .command('login')
      .description(
        'log in to a registry (the engine checks the credentials; they are kept in ~/.docker/config.json)',
      )
      .argument('[server]', 'registry host[:port]; default Docker Hub')
      .option('-u, --username <username>', 'username')
      .option('-p, --password <password>', 'password (insecure: prefer --password-stdin)')
      .option('--password-stdin', 'take the password from stdin')
      .action((server: string | undefined, flags) =>
        run(async (ctx) => (await import('./commands/login.js')).login(ctx, server, flags)),
      );

  if (want('logout'))
    program
      .command('logout')
      .description('log out from a registry')
      .argument('[server]', 'registry host[:port]; default Docker Hub')
      .action((server: string | undefined) =>
        run(async (ctx) => (await import('./commands/login.js')).logout(ctx, server)),
      );

  if (want('registry'))
    program
      .command('registry')
      .description("Skiff's own registry server")
      .command('serve')
      .description('serve the OCI distribution API in the foreground until SIGINT/SIGTERM')
      .option('--addr <host:port>', 'listen address (port 0 picks a free one)', '127.0.0.1:5000')
      .option('--root <dir>', 'storage directory (default $SKIFF_ROOT/registry)')
      .option('--htpasswd <file>', 'require Basic auth with the bcrypt users of this htpasswd file')
      .action((flags) => run(async () => (await import('./commands/registry.js')).registryServe(flags)));
}
