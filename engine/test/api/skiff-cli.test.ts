import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { busyboxTar as fixtureTar, SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('the skiff CLI as a process against a real skiffd', () => {
  const h = new SkiffdHarness();
  let busyboxTar = '';

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    busyboxTar = await fixtureTar();
    const imported = await h.skiff([
      'import',
      '--change',
      'CMD ["sh"]',
      '-m',
      'from the test',
      busyboxTar,
      'busybox:latest',
    ]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  }, 180_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  it('run --rm prints the output, keeps stderr apart and exits with the container code', async () => {
    const r = await h.skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
    expect(r.stdout).toBe('to-out\n');
    expect(r.stderr).toBe('to-err\n');
    expect(r.code).toBe(3);
    const ps = await h.skiff(['ps', '-a', '-q']);
    expect(ps.stdout).toBe('');
  });

  it('run passes stdin with -i, env, workdir, user and hostname', async () => {
    const r = await h.skiff(
      [
        'run',
        '--rm',
        '-i',
        '-e',
        'GREETING=hi',
        '-w',
        '/tmp',
        '-u',
        'nobody',
        '-h',
        'boxy',
        'busybox',
        'sh',
        '-c',
        'echo $GREETING $(pwd) $(id -un) $(hostname); cat',
      ],
      { input: 'from stdin\n' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hi /tmp nobody boxy\nfrom stdin\n');
    expect(r.code).toBe(0);
  });

  it('reports a missing command with exit 127 and a bad image with 125', async () => {
    const missing = await h.skiff(['run', '--rm', 'busybox', '/no/such/cmd']);
    expect(missing.code).toBe(127);
    const badImage = await h.skiff(['run', '--rm', 'no-such-image:9', 'true']);
    expect(badImage.code).toBe(125);
    expect(badImage.stderr).toMatch(/Unable to find image 'no-such-image:9' locally/);
  });

  it('runs detached, lists with ps (table, json, filters), shows logs, and stops and removes', async () => {
    const name = `web-${h.engineName}`;
    const run = await h.skiff([
      'run',
      '-d',
      '--name',
      name,
      '-l',
      'tier=front',
      'busybox',
      'sh',
      '-c',
      'echo started; echo warn >&2; exec sleep 60',
    ]);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const table = await h.skiff(['ps']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(lines.find((l) => l.startsWith(id.slice(0, 12)))).toMatch(new RegExp(`busybox .*Up .*${name}$`));

    const json = await h.skiff(['ps', '--format', 'json', '--filter', 'label=tier=front']);
    const items = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ID: string; Names: string; State: string });
    expect(items).toEqual([expect.objectContaining({ ID: id.slice(0, 12), Names: name, State: 'running' })]);
    expect((await h.skiff(['ps', '-q', '--no-trunc', '--filter', `name=${name}`])).stdout).toBe(`${id}\n`);
    expect((await h.skiff(['ps', '-q', '--filter', 'label=tier=back'])).stdout).toBe('');

    await new Promise((r) => setTimeout(r, 300));
    const logs = await h.skiff(['logs', name]);
    expect(logs.stdout).toBe('started\n');
    expect(logs.stderr).toBe('warn\n');
    const stamped = await h.skiff(['logs', '-t', '--tail', '1', name]);
    expect(stamped.stdout + stamped.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (started|warn)\n$/);

    expect((await h.skiff(['inspect', '-f', '{{.State.Status}} {{.Name}}', name])).stdout).toBe(
      `running /${name}\n`,
    );
    const inspected = JSON.parse((await h.skiff(['inspect', name])).stdout) as { Id: string }[];
    expect(inspected.map((c) => c.Id)).toEqual([id]);

    const stop = await h.skiff(['stop', '-t', '1', name]);
    expect(stop).toMatchObject({ code: 0, stdout: `${name}\n` });
    expect((await h.skiff(['stop', name])).code).toBe(0);
    expect((await h.skiff(['wait', name])).stdout).toBe('137\n');
    expect((await h.skiff(['ps', '-q', '--filter', `name=${name}`])).stdout).toBe('');
    expect(
      (await h.skiff(['ps', '-a', '-q', '--filter', 'status=exited', '--filter', `name=${name}`])).stdout,
    ).toBe(`${id.slice(0, 12)}\n`);
    expect(await h.skiff(['rm', name])).toMatchObject({ code: 0, stdout: `${name}\n` });
    const again = await h.skiff(['rm', name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`Error response from daemon: No such container: ${name}\n`);
  });

  it('follows logs until the container exits', async () => {
    const id = (
      await h.skiff(['run', '-d', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.2; done'])
    ).stdout.trim();
    const followed = await h.skiff(['logs', '-f', id]);
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\n');
    await h.skiff(['rm', id]);
  });

  it('execs with env, workdir, user, stdin and the exit code', async () => {
    const id = (await h.skiff(['run', '-d', 'busybox', 'sleep', '60'])).stdout.trim();
    const r = await h.skiff([
      'exec',
      '-e',
      'X=1',
      '-w',
      '/etc',
      '-u',
      'nobody',
      id,
      'sh',
      '-c',
      'echo $X $(pwd) $(id -un); exit 4',
    ]);
    expect(r).toMatchObject({ code: 4, stdout: '1 /etc nobody\n' });
    const piped = await h.skiff(['exec', '-i', id, 'sh', '-c', 'tr a-z A-Z'], { input: 'shout\n' });
    expect(piped).toMatchObject({ code: 0, stdout: 'SHOUT\n' });
    const detached = await h.skiff(['exec', '-d', id, 'sh', '-c', 'echo bg > /tmp/bg']);
    expect(detached.code).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect((await h.skiff(['exec', id, 'cat', '/tmp/bg'])).stdout).toBe('bg\n');
    expect((await h.skiff(['exec', id, '/no/such'])).code).toBe(127);
    await h.skiff(['rm', '-f', id]);
  });

  it('copies files and directories both ways', async () => {
    const id = (await h.skiff(['create', 'busybox', 'sleep', '60'])).stdout.trim();
    const local = path.join(h.base, 'cp-src');
    await mkdir(path.join(local, 'nested'), { recursive: true });
    await writeFile(path.join(local, 'a.txt'), 'file a\n');
    await writeFile(path.join(local, 'nested', 'b.txt'), 'file b\n');
    expect((await h.skiff(['cp', local, `${id}:/srv`])).code).toBe(0);
    expect((await h.skiff(['cp', path.join(local, 'a.txt'), `${id}:/etc/renamed.txt`])).code).toBe(0);
    await h.skiff(['start', id]);
    expect((await h.skiff(['exec', id, 'cat', '/srv/nested/b.txt', '/etc/renamed.txt'])).stdout).toBe(
      'file b\nfile a\n',
    );
    const back = path.join(h.base, 'cp-back');
    await mkdir(back);
    expect((await h.skiff(['cp', `${id}:/srv`, back])).code).toBe(0);
    expect(await readFile(path.join(back, 'srv', 'nested', 'b.txt'), 'utf8')).toBe('file b\n');
    expect((await h.skiff(['cp', `${id}:/etc/renamed.txt`, path.join(back, 'single.txt')])).code).toBe(0);
    expect(await readFile(path.join(back, 'single.txt'), 'utf8')).toBe('file a\n');
    const tarOut = await h.skiff(['cp', `${id}:/etc/hostname`, '-']);
    expect(tarOut.stdout).toContain('hostname');
    await h.skiff(['rm', '-f', id]);
  });

  it('round-trips images through save, rmi and load, and tags and lists them', async () => {
    expect((await h.skiff(['tag', 'busybox', 'localhost:5000/team/box:v1'])).code).toBe(0);
    const images = await h.skiff(['images']);
    expect(images.stdout.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(images.stdout).toMatch(/localhost:5000\/team\/box\s+v1\s+[0-9a-f]{12}\s/);
    const json = (await h.skiff(['images', '--format', 'json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Repository: string; Tag: string });
    expect(json).toEqual(
      expect.arrayContaining([expect.objectContaining({ Repository: 'busybox', Tag: 'latest' })]),
    );
    const archive = path.join(h.base, 'saved.tar');
    expect((await h.skiff(['save', '-o', archive, 'localhost:5000/team/box:v1'])).code).toBe(0);
    const rmi = await h.skiff(['rmi', 'localhost:5000/team/box:v1']);
    expect(rmi.stdout).toBe('Untagged: localhost:5000/team/box:v1\n');
    expect((await h.skiff(['image', 'inspect', 'localhost:5000/team/box:v1'])).code).toBe(1);
    const load = await h.skiff(['load', '-i', archive]);
    expect(load).toMatchObject({ code: 0, stdout: 'Loaded image: localhost:5000/team/box:v1\n' });
    const run = await h.skiff(['run', '--rm', 'localhost:5000/team/box:v1', 'echo', 'loaded']);
    expect(run.stdout).toBe('loaded\n');
    const inspected = JSON.parse((await h.skiff(['image', 'inspect', 'busybox'])).stdout) as {
      Config: { Cmd: string[] };
    }[];
    expect(inspected[0]?.Config.Cmd).toEqual(['sh']);
    expect((await h.skiff(['rmi', 'no-such:img'])).stderr).toMatch(
      /^Error response from daemon: No such image: no-such:img/,
    );
  });

  it('prints version and info, and engine status', async () => {
    const version = await h.skiff(['version']);
    expect(version.stdout).toMatch(/Server: Skiff Engine/);
    expect(version.stdout).toMatch(/API version:\s+1\.45 \(minimum version 1\.24\)/);
    const info = JSON.parse((await h.skiff(['info', '--json'])).stdout) as { SkiffPid: number };
    expect(info.SkiffPid).toBe(h.daemon?.pid);
    const status = await h.skiff(['engine', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: h.daemon?.pid });
  });

  it('creates, lists, inspects, mounts, removes and prunes volumes', async () => {
    const name = `data-${h.engineName}`;
    const created = await h.skiff(['volume', 'create', '--label', 'team=skiff', name]);
    expect(created).toMatchObject({ code: 0, stdout: `${name}\n`, stderr: '' });
    const anonymous = (await h.skiff(['volume', 'create'])).stdout.trim();
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);

    const table = await h.skiff(['volume', 'ls']);
    expect(table.stdout.split('\n')[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(table.stdout).toMatch(new RegExp(`local\\s+${name}\\n`));
    const byLabel = await h.skiff(['volume', 'ls', '-q', '--filter', 'label=team=skiff']);
    expect(byLabel.stdout).toBe(`${name}\n`);
    const json = (await h.skiff(['volume', 'ls', '--format', 'json', '-f', `name=${name}`])).stdout;
    expect(JSON.parse(json)).toMatchObject({ Name: name, Driver: 'local', Labels: 'team=skiff' });

    const inspect = JSON.parse((await h.skiff(['volume', 'inspect', name])).stdout) as Array<{
      Name: string;
      Mountpoint: string;
      Labels: Record<string, string>;
    }>;
    expect(inspect).toHaveLength(1);
    expect(inspect[0]).toMatchObject({ Name: name, Labels: { team: 'skiff' } });
    const mountpoint = await h.skiff(['volume', 'inspect', '-f', '{{.Mountpoint}}', name]);
    expect(mountpoint.stdout).toBe(`${inspect[0]?.Mountpoint}\n`);
    const missing = await h.skiff(['volume', 'inspect', 'no-such-volume']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error: No such volume: no-such-volume');

    // Data written through one container is seen by the next; a volume in use is not removed.
    const write = await h.skiff([
      'run',
      '--rm',
      '-v',
      `${name}:/data`,
      'busybox',
      'sh',
      '-c',
      'echo kept > /data/f',
    ]);
    expect(write.code).toBe(0);
    const read = await h.skiff(['run', '--rm', '-v', `${name}:/data`, 'busybox', 'cat', '/data/f']);
    expect(read.stdout).toBe('kept\n');
    const holder = (
      await h.skiff(['run', '-d', '-v', `${name}:/data`, 'busybox', 'sleep', '600'])
    ).stdout.trim();
    const inUse = await h.skiff(['volume', 'rm', name]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/Error response from daemon: .*in use/);
    await h.skiff(['rm', '-f', holder]);

    // prune takes the anonymous volume only, unless --all; declining the prompt removes nothing.
    const declined = await h.skiff(['volume', 'prune'], { input: 'n\n' });
    expect(declined.stdout).toContain('Are you sure you want to continue? [y/N]');
    expect((await h.skiff(['volume', 'ls', '-q'])).stdout).toContain(anonymous);
    const pruned = await h.skiff(['volume', 'prune', '-f']);
    expect(pruned.stdout).toContain(`Deleted Volumes:\n${anonymous}\n`);
    expect(pruned.stdout).toMatch(/Total reclaimed space: /);
    expect((await h.skiff(['volume', 'ls', '-q'])).stdout).toBe(`${name}\n`);

    const removed = await h.skiff(['volume', 'rm', name, 'no-such-volume']);
    expect(removed.stdout).toBe(`${name}\n`);
    expect(removed.stderr).toMatch(/no-such-volume/);
    expect(removed.code).toBe(1);
    expect((await h.skiff(['volume', 'ls', '-q'])).stdout).toBe('');
  });

  it('bounds a container log with --log-opt max-size and max-file, and refuses unknown log options', async () => {
    const name = `chatty-${h.engineName}`;
    const run = await h.skiff([
      'run',
      '--name',
      name,
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      'busybox',
      'seq',
      '1',
      '400',
    ]);
    expect(run.code).toBe(0);
    // Every line reached the attached client; the log keeps at most two files of 1 KiB.
    expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(400);
    const logs = (await h.skiff(['logs', name])).stdout.split('\n').filter(Boolean);
    expect(logs.at(-1)).toBe('400');
    expect(logs.length).toBeGreaterThan(20);
    expect(logs.length).toBeLessThan(100);
    expect(logs).toEqual(Array.from({ length: logs.length }, (_, i) => String(401 - logs.length + i)));
    const tail = await h.skiff(['logs', '--tail', '3', name]);
    expect(tail.stdout).toBe('398\n399\n400\n');
    const inspect = JSON.parse((await h.skiff(['inspect', '-f', '{{json .}}', name])).stdout) as {
      LogPath: string;
      HostConfig: { LogConfig: unknown };
    };
    expect(inspect.HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '1k', 'max-file': '2' },
    });
    const { readdir, stat } = await import('node:fs/promises');
    const logDir = path.dirname(inspect.LogPath);
    const files = (await readdir(logDir)).filter((f) => f.startsWith(path.basename(inspect.LogPath)));
    expect(files.sort()).toEqual([path.basename(inspect.LogPath), `${path.basename(inspect.LogPath)}.1`]);
    for (const f of files) expect((await stat(path.join(logDir, f))).size).toBeLessThanOrEqual(1024);
    await h.skiff(['rm', name]);

    const typo = await h.skiff(['run', '--rm', '--log-opt', 'max-sise=1m', 'busybox', 'true']);
    expect(typo.code).toBe(125);
    expect(typo.stderr).toContain("unknown log opt 'max-sise' for json-file log driver");
    const driver = await h.skiff(['run', '--rm', '--log-driver', 'syslog', 'busybox', 'true']);
    expect(driver.code).toBe(125);
    expect(driver.stderr).toContain("no log driver named 'syslog'");
    expect((await h.skiff(['ps', '-a', '-q'])).stdout).toBe('');
  });
});
