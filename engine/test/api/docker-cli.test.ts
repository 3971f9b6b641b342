import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { busyboxTar, SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTty, hasDocker } from '../compat/support/docker-cli.js';

describe.skipIf(!hasDocker)('the docker CLI (client 28) driving skiffd', () => {
  const h = new SkiffdHarness();

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    const tarPath = await busyboxTar();
    const imported = await h.skiff(['import', '--change', 'CMD ["sh"]', tarPath, 'busybox:latest']);
    expect(imported.code, imported.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  it('negotiates the API version', async () => {
    const r = await docker(h, ['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/API version:\s+1\.45 \(downgraded from 1\.\d+\)/);
    expect(r.stdout).toMatch(/Server: Skiff Engine/);
  });

  it('runs --rm with output, stderr and the exit code', async () => {
    const r = await docker(h, ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 6']);
    expect(r).toMatchObject({ code: 6, stdout: 'out\n', stderr: 'err\n' });
    const missing = await docker(h, ['run', '--rm', 'busybox', '/no/such/binary']);
    expect(missing.code).toBe(127);
  });

  it('runs -it with a terminal', async () => {
    const r = await dockerTty(h, "docker run -it --rm busybox sh -c 'tty; exit 3'");
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code).toBe(3);
  });

  it('runs detached, then ps, logs -f, exec (with and without a TTY), inspect, stats, wait and rm -f', async () => {
    const name = `d-${h.engineName}`;
    const run = await docker(h, [
      'run',
      '-d',
      '--name',
      name,
      'busybox',
      'sh',
      '-c',
      'echo one; sleep 1; echo two; sleep 30',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    const ps = await docker(h, [
      'ps',
      '--filter',
      `name=${name}`,
      '--format',
      '{{.ID}} {{.Names}} {{.Status}}',
    ]);
    expect(ps.stdout).toMatch(new RegExp(`^${id.slice(0, 12)} ${name} Up `));
    const logs = await docker(h, ['logs', '-f', '--tail', 'all', name], { timeoutMs: 4000 });
    expect(logs.stdout).toMatch(/^one\ntwo\n/);
    const exec = await docker(h, ['exec', name, 'sh', '-c', 'echo in-exec; exit 2']);
    expect(exec).toMatchObject({ code: 2, stdout: 'in-exec\n' });
    const piped = await docker(h, ['exec', '-i', name, 'cat'], { input: 'piped\n' });
    expect(piped.stdout).toBe('piped\n');
    const tty = await dockerTty(h, `docker exec -t ${name} tty`);
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect((await docker(h, ['inspect', '-f', '{{.State.Running}} {{.Name}}', name])).stdout).toBe(
      `true /${name}\n`,
    );
    const stats = await docker(h, ['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', name]);
    expect(stats.stdout).toMatch(new RegExp(`^${name} \\d+`));
    const waiting = docker(h, ['wait', name]);
    expect((await docker(h, ['kill', name])).code).toBe(0);
    expect((await waiting).stdout).toBe('137\n');
    expect((await docker(h, ['rm', '-f', name])).stdout).toBe(`${name}\n`);
  });

  it('copies files both ways', async () => {
    const id = (await docker(h, ['create', 'busybox', 'sleep', '30'])).stdout.trim();
    const dir = path.join(h.base, 'docker-cp');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'in.txt'), 'into the container\n');
    expect((await docker(h, ['cp', path.join(dir, 'in.txt'), `${id}:/tmp/`])).code).toBe(0);
    expect((await docker(h, ['cp', `${id}:/tmp/in.txt`, path.join(dir, 'out.txt')])).code).toBe(0);
    expect(await readFile(path.join(dir, 'out.txt'), 'utf8')).toBe('into the container\n');
    await docker(h, ['rm', id]);
  });

  it('lists, tags and removes images, and manages volumes', async () => {
    expect((await docker(h, ['tag', 'busybox', 'mine:1'])).code).toBe(0);
    expect((await docker(h, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout).toMatch(/mine:1/);
    expect((await docker(h, ['rmi', 'mine:1'])).stdout).toBe('Untagged: mine:1\n');
    expect((await docker(h, ['volume', 'create', `v-${h.engineName}`])).code).toBe(0);
    await docker(h, [
      'run',
      '--rm',
      '-v',
      `v-${h.engineName}:/data`,
      'busybox',
      'sh',
      '-c',
      'echo kept > /data/f',
    ]);
    expect(
      (await docker(h, ['run', '--rm', '-v', `v-${h.engineName}:/data`, 'busybox', 'cat', '/data/f'])).stdout,
    ).toBe('kept\n');
    expect((await docker(h, ['volume', 'ls', '-q'])).stdout).toContain(`v-${h.engineName}`);
    expect((await docker(h, ['volume', 'rm', `v-${h.engineName}`])).code).toBe(0);
  });

  it('streams events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await docker(h, ['run', '--rm', '--label', `ev=${h.engineName}`, 'busybox', 'true']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const r = await docker(h, [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      `label=ev=${h.engineName}`,
      '--format',
      '{{.Action}}',
    ]);
    expect(r.stdout.trim().split('\n')).toEqual(
      expect.arrayContaining(['create', 'start', 'die', 'destroy']),
    );
  });
});
