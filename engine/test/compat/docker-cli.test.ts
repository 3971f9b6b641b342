import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUSYBOX, provideBusybox, SkiffdHarness, startCncfRegistry } from '@skiff/testing';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTty, hasDocker } from './support/docker-cli.js';
import { startSkiffRegistry, writeHtpasswd } from './support/skiff-registry.js';

const PASSWORD = 'compat s3cret!';

/** Every entry name of a tar. */
async function tarEntries(bytes: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.resume();
    stream.on('end', next);
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(bytes);
  });
  return names;
}

/**
 * Issue 6's end-to-end suite: the real docker CLI (client 28.2.2) drives a private skiffd through
 * `DOCKER_HOST=unix://…` and its outputs are checked. Images come through the fixture registry
 * mirror when `SKIFF_REGISTRY_MIRRORS` is set (`npm test`), otherwise from the busybox fixture.
 */
describe.skipIf(!hasDocker)('the docker CLI against skiffd', () => {
  const h = new SkiffdHarness();
  const stops: (() => Promise<unknown>)[] = [];
  const uniq = () => `${h.engineName}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    await provideBusybox(h.api);
  }, 180_000);

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await h.stop();
    await h.cleanup();
  });

  it('negotiates the API version and reports the engine (version, info)', async () => {
    const v = await docker(h, ['version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/API version:\s+1\.45 \(downgraded from 1\.50\)/);
    expect(v.stdout).toMatch(/Server: Skiff Engine/);
    const info = await docker(h, [
      'info',
      '--format',
      '{{.OSType}} {{.Driver}} {{json .RegistryConfig.Mirrors}}',
    ]);
    expect(info.code, info.stderr).toBe(0);
    const mirrors = (process.env.SKIFF_REGISTRY_MIRRORS ?? '').split(',').filter(Boolean);
    expect(info.stdout.trim()).toBe(
      `linux overlay2 ${JSON.stringify(mirrors.map((m) => (m.endsWith('/') ? m : `${m}/`)))}`,
    );
  });

  it('runs --rm with stdout, stderr and the exit code, and 127 for a missing binary', async () => {
    const r = await docker(h, ['run', '--rm', BUSYBOX, 'sh', '-c', 'echo out; echo err >&2; exit 6']);
    expect(r).toMatchObject({ code: 6, stdout: 'out\n', stderr: 'err\n' });
    expect((await docker(h, ['run', '--rm', BUSYBOX, '/no/such/binary'])).code).toBe(127);
    expect((await docker(h, ['ps', '-a', '-q', '--filter', `ancestor=${BUSYBOX}`])).stdout).toBe('');
  });

  it('runs --init: the static tini as PID 1, the exit code through', async () => {
    const script = 'tr "\\0" " " < /proc/1/cmdline; exit 5';
    const r = await docker(h, ['run', '--rm', '--init', BUSYBOX, 'sh', '-c', script]);
    expect(r).toMatchObject({ code: 5, stdout: `/sbin/docker-init -- sh -c ${script} ` });
  });

  it('runs -it under a terminal: a TTY inside, stdin from the terminal, the exit code out', async () => {
    const r = await dockerTty(
      h,
      `docker run -it --rm ${BUSYBOX} sh -c 'tty; stty size; read line; echo "got:$line"; exit 3'`,
      {
        input: 'typed at the terminal\n',
      },
    );
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r\n\d+ \d+\r\n/);
    expect(r.stdout).toContain('got:typed at the terminal\r\n');
    expect(r.code).toBe(3);
  });

  it('runs -t with the terminal size of the client, on stdin, stdout and stderr', async () => {
    const r = await dockerTty(
      h,
      `stty rows 33 cols 101; docker run -t --rm ${BUSYBOX} sh -c 'stty size; test -t 0 && test -t 1 && test -t 2 && echo all-terminal'`,
    );
    // Without -i the CLI leaves its own terminal cooked, which turns the container's \r\n into \r\r\n.
    expect(r.stdout.replace(/\r+\n/g, '\n')).toBe('33 101\nall-terminal\n');
    expect(r.code).toBe(0);
  });

  it('runs -d; ps, logs -f, exec with and without a TTY, inspect, stats --no-stream, wait', async () => {
    const name = `d-${uniq()}`;
    const run = await docker(h, [
      'run',
      '-d',
      '--name',
      name,
      BUSYBOX,
      'sh',
      '-c',
      'echo one; sleep 1; echo two; sleep 60',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ps = await docker(h, [
      'ps',
      '--filter',
      `name=${name}`,
      '--format',
      '{{.ID}} {{.Image}} {{.Names}} {{.Status}}',
    ]);
    expect(ps.stdout).toMatch(new RegExp(`^${id.slice(0, 12)} ${BUSYBOX} ${name} Up `));
    const logs = await docker(h, ['logs', '-f', name], { timeoutMs: 4000 });
    expect(logs.stdout).toMatch(/^one\ntwo\n/);
    const exec = await docker(h, ['exec', name, 'sh', '-c', 'echo in-exec; echo to-err >&2; exit 2']);
    expect(exec).toMatchObject({ code: 2, stdout: 'in-exec\n', stderr: 'to-err\n' });
    const piped = await docker(h, ['exec', '-i', name, 'sh', '-c', 'cat; echo done'], { input: 'piped\n' });
    expect(piped.stdout).toBe('piped\ndone\n');
    const tty = await dockerTty(h, `docker exec -it ${name} sh -c 'tty; stty size; exit 4'`);
    expect(tty.stdout).toMatch(/\d+ \d+\r\n/);
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(tty.code).toBe(4);
    const inspect = await docker(h, [
      'inspect',
      '-f',
      '{{.State.Running}} {{.Name}} {{.Config.Image}} {{.Id}}',
      name,
    ]);
    expect(inspect.stdout).toBe(`true /${name} ${BUSYBOX} ${id}\n`);
    const stats = await docker(h, [
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}} {{.PIDs}} {{.MemUsage}}',
      name,
    ]);
    expect(stats.stdout).toMatch(new RegExp(`^${name} [1-9]\\d* [\\d.]+[KMG]iB / `));
    const waiting = docker(h, ['wait', name]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await docker(h, ['kill', name])).code).toBe(0);
    expect((await waiting).stdout).toBe('137\n');
    expect((await docker(h, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name])).stdout).toBe(
      'exited 137\n',
    );
    expect((await docker(h, ['rm', name])).stdout).toBe(`${name}\n`);
    const gone = await docker(h, ['inspect', name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(new RegExp(`No such object: ${name}`));
  });

  it('copies files both ways (docker cp) into created and running containers', async () => {
    const id = (await docker(h, ['create', BUSYBOX, 'sleep', '60'])).stdout.trim();
    const dir = path.join(h.base, 'cp');
    await mkdir(path.join(dir, 'tree', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'in.txt'), 'into the container\n');
    await writeFile(path.join(dir, 'tree', 'sub', 'deep.txt'), 'deep\n');
    expect((await docker(h, ['cp', path.join(dir, 'in.txt'), `${id}:/tmp/`])).code).toBe(0);
    expect((await docker(h, ['cp', path.join(dir, 'tree'), `${id}:/tmp/tree`])).code).toBe(0);
    expect((await docker(h, ['start', id])).code).toBe(0);
    expect((await docker(h, ['exec', id, 'cat', '/tmp/in.txt', '/tmp/tree/sub/deep.txt'])).stdout).toBe(
      'into the container\ndeep\n',
    );
    await docker(h, ['exec', id, 'sh', '-c', 'echo made-inside > /tmp/out.txt']);
    expect((await docker(h, ['cp', `${id}:/tmp/out.txt`, path.join(dir, 'out.txt')])).code).toBe(0);
    expect(await readFile(path.join(dir, 'out.txt'), 'utf8')).toBe('made-inside\n');
    expect((await docker(h, ['cp', `${id}:/tmp/tree`, path.join(dir, 'back')])).code).toBe(0);
    expect(await readFile(path.join(dir, 'back', 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
    const missing = await docker(h, ['cp', `${id}:/no/such/file`, path.join(dir, 'x')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file|Could not find the file/i);
    await docker(h, ['rm', '-f', id]);
  });

  it('builds with the classic builder (DOCKER_BUILDKIT=0), then runs, tags, lists and removes the image', async () => {
    const ctx = path.join(h.base, 'build-ctx');
    await mkdir(ctx, { recursive: true });
    await writeFile(path.join(ctx, 'msg.txt'), 'copied from the context\n');
    await writeFile(path.join(ctx, 'ignored.txt'), 'must not reach the image\n');
    await writeFile(path.join(ctx, '.dockerignore'), 'ignored.txt\n');
    await writeFile(
      path.join(ctx, 'Dockerfile'),
      [
        `FROM ${BUSYBOX}`,
        'ARG GREETING=hello',
        'COPY . /ctx/',
        'RUN echo "$GREETING from RUN" > /built.txt',
        'LABEL compat=yes',
        'CMD ["sh", "-c", "cat /built.txt /ctx/msg.txt; ls /ctx"]',
        '',
      ].join('\n'),
    );
    const tag = `compat-build-${uniq()}:1`;
    const build = await docker(h, ['build', '-t', tag, '--build-arg', 'GREETING=hi', ctx], {
      timeoutMs: 120_000,
    });
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/Step 1\/6 : FROM busybox:1\.35/);
    expect(build.stdout).toMatch(/Successfully built [0-9a-f]{12}/);
    expect(build.stdout).toContain(`Successfully tagged ${tag}`);
    const ran = await docker(h, ['run', '--rm', tag]);
    expect(ran.stdout).toBe('hi from RUN\ncopied from the context\nDockerfile\nmsg.txt\n');
    const cached = await docker(h, ['build', '-t', tag, '--build-arg', 'GREETING=hi', ctx], {
      timeoutMs: 120_000,
    });
    expect(cached.stdout).toContain('Using cache');
    expect((await docker(h, ['image', 'inspect', '-f', '{{.Config.Labels.compat}}', tag])).stdout).toBe(
      'yes\n',
    );

    const failing = path.join(h.base, 'build-fail');
    await mkdir(failing, { recursive: true });
    await writeFile(path.join(failing, 'Dockerfile'), `FROM ${BUSYBOX}\nRUN exit 3\n`);
    const failed = await docker(h, ['build', failing], { timeoutMs: 120_000 });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/returned a non-zero code: 3/);
    await writeFile(path.join(failing, 'Dockerfile'), `FROM ${BUSYBOX}\nFROBNICATE now\n`);
    const syntax = await docker(h, ['build', failing]);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/Error response from daemon: .*Dockerfile:2:1: .*FROBNICATE/i);

    const alias = `compat-alias-${uniq()}:2`;
    expect((await docker(h, ['tag', tag, alias])).code).toBe(0);
    const images = await docker(h, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    const lines = images.stdout.trim().split('\n');
    const idOf = (ref: string) => lines.find((l) => l.startsWith(`${ref} `))?.split(' ')[1];
    expect(idOf(tag)).toMatch(/^[0-9a-f]{12}$/);
    expect(idOf(alias)).toBe(idOf(tag));
    expect((await docker(h, ['rmi', alias])).stdout).toBe(`Untagged: ${alias}\n`);
    const removed = await docker(h, ['rmi', tag]);
    expect(removed.stdout).toMatch(new RegExp(`^Untagged: ${tag}\nDeleted: sha256:[0-9a-f]{64}\n`));
    expect((await docker(h, ['image', 'inspect', tag])).code).toBe(1);
  });

  it("pushes to and pulls from Skiff's own registry (skiff registry serve) behind htpasswd, with login and logout", async () => {
    const dir = path.join(h.base, 'skiff-registry');
    const htpasswd = await writeHtpasswd(path.join(dir, 'htpasswd'), 'alice', PASSWORD);
    const registry = await startSkiffRegistry(dir, { htpasswd });
    stops.push(registry.stop);
    const ref = `${registry.host}/compat/box:1`;
    expect((await docker(h, ['tag', BUSYBOX, ref])).code).toBe(0);

    const anonymous = await docker(h, ['push', ref]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/401 Unauthorized to an anonymous request/);

    const wrong = await docker(h, ['login', '-u', 'alice', '--password-stdin', registry.host], {
      input: 'nope\n',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /login attempt to http:\/\/127\.0\.0\.1:\d+\/v2\/ failed with status: 401 Unauthorized/,
    );
    const login = await docker(h, ['login', '-u', 'alice', '--password-stdin', registry.host], {
      input: `${PASSWORD}\n`,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    const config = JSON.parse(await readFile(path.join(h.base, 'docker-config', 'config.json'), 'utf8'));
    expect(config.auths[registry.host].auth).toBe(Buffer.from(`alice:${PASSWORD}`).toString('base64'));

    const push = await docker(h, ['push', ref]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(
      new RegExp(`The push refers to repository \\[${registry.host}/compat/box\\]`),
    );
    const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(push.stdout)?.[1];
    expect(digest).toBeDefined();
    expect((await docker(h, ['rmi', ref])).code).toBe(0);
    const pull = await docker(h, ['pull', ref]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toContain(`Digest: ${digest}`);
    expect(pull.stdout).toContain(`${ref}\n`);
    expect((await docker(h, ['run', '--rm', ref, 'echo', 'pulled back'])).stdout).toBe('pulled back\n');

    const logout = await docker(h, ['logout', registry.host]);
    expect(logout.stdout).toContain(`Removing login credentials for ${registry.host}`);
    await docker(h, ['rmi', ref]);
    const denied = await docker(h, ['pull', ref]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/401 Unauthorized/);

    // Neither the password nor the base64 forms the clients sent ever reach the daemon's log.
    await new Promise((r) => setTimeout(r, 500));
    const log = await readFile(path.join(h.base, 'root', 'engines', h.engineName, 'skiffd.log'), 'utf8');
    expect(log).toContain('login verified');
    for (const secret of [
      PASSWORD,
      Buffer.from(`alice:${PASSWORD}`).toString('base64'),
      Buffer.from(PASSWORD).toString('base64'),
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(registry.log()).not.toContain(PASSWORD);
    expect(await registry.stop()).toBe(0);
  });

  it('pushes to and pulls from the CNCF registry (docker-registry) with identical digests', async () => {
    await mkdir(path.join(h.base, 'cncf'), { recursive: true });
    const registry = await startCncfRegistry(path.join(h.base, 'cncf'));
    stops.push(registry.stop);
    const ref = `${registry.host}/compat/box:2`;
    await docker(h, ['tag', BUSYBOX, ref]);
    const push = await docker(h, ['push', ref]);
    expect(push.code, push.stderr).toBe(0);
    const digest = /2: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    expect(digest).toBeDefined();
    const manifest = await fetch(`${registry.url}/v2/compat/box/manifests/2`, {
      method: 'HEAD',
      headers: {
        Accept:
          'application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    expect(manifest.headers.get('docker-content-digest')).toBe(digest);
    await docker(h, ['rmi', ref]);
    const pull = await docker(h, ['pull', ref]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toContain(`Digest: ${digest}`);
    const listed = await docker(h, [
      'images',
      '--digests',
      '--format',
      '{{.Repository}}:{{.Tag}} {{.Digest}}',
    ]);
    expect(listed.stdout).toContain(`${ref} ${digest}\n`);
    const missing = await docker(h, ['pull', `${registry.host}/compat/nothing:here`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found|unknown/i);
  });

  it('creates, lists, connects and removes networks; containers reach each other by alias', async () => {
    const net = `n-${uniq()}`;
    const created = await docker(h, ['network', 'create', net]);
    expect(created.code, created.stderr).toBe(0);
    const netId = created.stdout.trim();
    expect(netId).toMatch(/^[0-9a-f]{64}$/);
    const ls = await docker(h, ['network', 'ls', '--format', '{{.ID}} {{.Name}} {{.Driver}}']);
    expect(ls.stdout).toContain(`${netId.slice(0, 12)} ${net} bridge`);
    expect(ls.stdout).toMatch(/ bridge bridge\n/);
    const a = `a-${uniq()}`;
    const b = `b-${uniq()}`;
    expect((await docker(h, ['run', '-d', '--name', a, '--network', net, BUSYBOX, 'sleep', '60'])).code).toBe(
      0,
    );
    expect((await docker(h, ['run', '-d', '--name', b, BUSYBOX, 'sleep', '60'])).code).toBe(0);
    const connect = await docker(h, ['network', 'connect', '--alias', 'bee', net, b]);
    expect(connect.code, connect.stderr).toBe(0);
    const ping = await docker(h, ['exec', a, 'ping', '-c', '1', '-W', '3', 'bee']);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    const members = await docker(h, [
      'network',
      'inspect',
      '-f',
      '{{range .Containers}}{{.Name}} {{end}}',
      net,
    ]);
    expect(members.stdout.trim().split(' ').sort()).toEqual([a, b].sort());
    const busy = await docker(h, ['network', 'rm', net]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/active endpoints|in use/i);
    await docker(h, ['rm', '-f', a, b]);
    expect((await docker(h, ['network', 'rm', net])).stdout).toBe(`${net}\n`);
    expect((await docker(h, ['network', 'inspect', net])).code).toBe(1);
  });

  it('manages volumes: create, ls, inspect, data kept across containers, rm', async () => {
    const vol = `v-${uniq()}`;
    expect((await docker(h, ['volume', 'create', '--label', 'suite=compat', vol])).stdout).toBe(`${vol}\n`);
    await docker(h, ['run', '--rm', '-v', `${vol}:/data`, BUSYBOX, 'sh', '-c', 'echo kept > /data/f']);
    expect(
      (await docker(h, ['run', '--rm', '-v', `${vol}:/data:ro`, BUSYBOX, 'cat', '/data/f'])).stdout,
    ).toBe('kept\n');
    expect((await docker(h, ['volume', 'ls', '-q', '--filter', 'label=suite=compat'])).stdout).toContain(vol);
    expect((await docker(h, ['volume', 'inspect', '-f', '{{.Driver}} {{.Labels.suite}}', vol])).stdout).toBe(
      'local compat\n',
    );
    expect((await docker(h, ['volume', 'rm', vol])).stdout).toBe(`${vol}\n`);
    expect((await docker(h, ['volume', 'inspect', vol])).code).toBe(1);
  });

  it('streams events with filters, since and until', async () => {
    const label = `ev=${uniq()}`;
    const since = Math.floor(Date.now() / 1000) - 1;
    const follow = docker(h, ['events', '--filter', `label=${label}`, '--format', '{{.Type}} {{.Action}}'], {
      timeoutMs: 8000,
    });
    await new Promise((r) => setTimeout(r, 500));
    await docker(h, ['run', '--rm', '--label', label, BUSYBOX, 'true']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const replay = await docker(h, [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      `label=${label}`,
      '--format',
      '{{.Action}}',
    ]);
    expect(replay.stdout.trim().split('\n')).toEqual(
      expect.arrayContaining(['create', 'start', 'die', 'destroy']),
    );
    const live = await follow;
    expect(live.stdout).toContain('container start\n');
    expect(live.stdout).toContain('container destroy\n');
  });

  it('diffs, exports, updates and accounts for containers (diff, export, update, system df, ps --size)', async () => {
    const name = `fs-${uniq()}`;
    await docker(h, [
      'run',
      '-d',
      '--name',
      name,
      BUSYBOX,
      'sh',
      '-c',
      'echo new > /tmp/new; rm /bin/vi; sleep 60',
    ]);
    await new Promise((r) => setTimeout(r, 500));
    const diff = await docker(h, ['diff', name]);
    expect(diff.stdout.trim().split('\n')).toEqual(['C /bin', 'D /bin/vi', 'C /tmp', 'A /tmp/new']);
    const exported = await docker(h, ['export', '-o', path.join(h.base, 'export.tar'), name]);
    expect(exported.code, exported.stderr).toBe(0);
    const entries = await tarEntries(await readFile(path.join(h.base, 'export.tar')));
    expect(entries).toContain('tmp/new');
    expect(entries).toContain('bin/busybox');
    expect(entries).not.toContain('bin/vi');

    const update = await docker(h, [
      'update',
      '--memory',
      '64m',
      '--memory-swap',
      '128m',
      '--cpus',
      '0.5',
      '--pids-limit',
      '40',
      '--restart',
      'on-failure:2',
      name,
    ]);
    expect(update.code, update.stderr).toBe(0);
    const limits = await docker(h, [
      'inspect',
      '-f',
      '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}',
      name,
    ]);
    expect(limits.stdout).toBe('67108864 500000000 40 on-failure\n');
    const stats = await docker(h, ['stats', '--no-stream', '--format', '{{.MemUsage}}', name]);
    expect(stats.stdout).toMatch(/ \/ 64MiB\n$/);
    const forkBomb = await docker(h, [
      'exec',
      name,
      'sh',
      '-c',
      'for i in $(seq 60); do sleep 5 & done; wait',
    ]);
    expect(forkBomb.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
    const bad = await docker(h, ['update', '--memory', '1k', name]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Minimum memory limit allowed is 6MB/);

    const df = await docker(h, ['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}']);
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).toMatch(
      /^Images \d+ \d+\nContainers \d+ [1-9]\d*\nLocal Volumes \d+ \d+\nBuild Cache 0 0\n$/,
    );
    const sized = await docker(h, ['ps', '--size', '--filter', `name=${name}`, '--format', '{{.Size}}']);
    expect(sized.stdout).toMatch(/^\d+(\.\d+)?[kMG]?B \(virtual [\d.]+[kMG]?B\)\n$/);
    await docker(h, ['rm', '-f', name]);
  });

  it('prunes stopped containers, unused networks, dangling images and the build cache (system prune)', async () => {
    const stopped = (
      await docker(h, ['create', '--label', `prune=${h.engineName}`, BUSYBOX, 'true'])
    ).stdout.trim();
    const net = `prune-${uniq()}`;
    await docker(h, ['network', 'create', net]);
    const prune = await docker(h, ['system', 'prune', '-f']);
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toContain(stopped);
    expect(prune.stdout).toContain(net);
    expect(prune.stdout).toMatch(/Total reclaimed space: /);
    expect((await docker(h, ['builder', 'prune', '-f'])).stdout).toBe('Total reclaimed space: 0B\n');
    expect((await docker(h, ['inspect', stopped])).code).toBe(1);
    expect((await docker(h, ['image', 'inspect', BUSYBOX])).code).toBe(0);
  });

  it('answers what it cannot do with clear errors (search, no such container, bad flags values)', async () => {
    const search = await docker(h, ['search', 'redis']);
    expect(search.code).toBe(1);
    expect(search.stderr).toMatch(/image search is not supported/);
    const missing = await docker(h, ['logs', `nope-${uniq()}`]);
    expect(missing.stderr).toMatch(/No such container: nope-/);
    const badMemory = await docker(h, ['run', '--rm', '--memory-swap', '64m', BUSYBOX, 'true']);
    expect(badMemory.code).toBe(125);
    expect(badMemory.stderr).toMatch(/always set the Memory limit when using Memoryswap limit/);
  });
});
