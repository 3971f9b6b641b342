import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { LinuxHostNet } from '@skiff/net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessSpawner } from '../src/os/create-process-spawner.js';
import { NativeProcessSpawner } from '../src/os/native-process-spawner.js';
import { NodeProcessSpawner } from '../src/os/node-process-spawner.js';
import { loadOsAddon, OS_ADDON_ENV } from '../src/os/os-addon.js';
import type { ProcessSpawner } from '../src/os/process-spawner.js';
import { spawnerCommandLauncher } from '../src/os/spawner-command-launcher.js';

// Both spawners against real processes: posix_spawn through the native addon (built by
// scripts/lib/prepare-workspace.sh; the native cases fail when it is missing) and child_process.
function nativeSpawner(): ProcessSpawner {
  const loaded = loadOsAddon({});
  if (!('addon' in loaded)) throw new Error(`native addon missing: ${loaded.missing}`);
  return new NativeProcessSpawner(loaded.addon);
}

const spawners: [string, () => ProcessSpawner][] = [
  ['native', nativeSpawner],
  ['node', () => new NodeProcessSpawner()],
];

async function text(stream: Readable | null): Promise<string> {
  if (!stream) return '';
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp('/dev/shm/skiff-spawner-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(spawners)('%s process spawner (real processes)', (kind, make) => {
  it('pipes stdin to a child and collects stdout, stderr and the exit code', async () => {
    const child = make().spawn('sh', ['-c', 'read line; echo "got $line"; echo oops >&2; exit 3']);
    expect(child.pid).toBeGreaterThan(0);
    child.stdin?.end('hello\n');
    const [out, err, exit] = await Promise.all([text(child.stdout), text(child.stderr), child.exited]);
    expect({ out, err, exit }).toEqual({
      out: 'got hello\n',
      err: 'oops\n',
      exit: { code: 3, signal: null },
    });
  });

  it('reports a signal death by name', async () => {
    const child = make().spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore'] });
    process.kill(child.pid, 'SIGTERM');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('rejects `exited` with ENOENT for a binary that does not exist', async () => {
    const child = make().spawn('skiff-no-such-binary', []);
    await expect(child.exited).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives the child exactly the env, cwd and session asked for', async () => {
    const script = [
      'echo "env=$ONLY_THIS"',
      'echo "cwd=$(pwd)"',
      // Field 6 of /proc/self/stat is the session id: a new session has the shell's own pid.
      'set -- $(cat /proc/$$/stat); echo "session=$6 pid=$$"',
    ].join('; ');
    const child = make().spawn('/bin/sh', ['-c', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ONLY_THIS: 'yes', PATH: '/usr/bin:/bin' },
      cwd: dir,
      detached: true,
    });
    const [out, exit] = await Promise.all([text(child.stdout), child.exited]);
    expect(exit.code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('env=yes');
    expect(lines[1]).toBe(`cwd=${dir}`);
    const [, session, pid] = /session=(\d+) pid=(\d+)/.exec(lines[2] ?? '') ?? [];
    expect(session).toBe(pid);
  });

  it('starts the child with no signal blocked or ignored (Node ignores SIGPIPE)', async () => {
    // grep reads its own status (a shell would show its own mask of the moment while it waits).
    const child = make().spawn('grep', ['-E', '^Sig(Blk|Ign)', '/proc/self/status'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [out] = await Promise.all([text(child.stdout), child.exited]);
    expect(out).toMatch(/^SigBlk:\s+0+\nSigIgn:\s+0+\n$/);
  });

  it('passes no fd of the engine to the child', async () => {
    // ls's own fds: 0-2 and the directory it reads (3).
    const child = make().spawn('ls', ['/proc/self/fd'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [out] = await Promise.all([text(child.stdout), child.exited]);
    const fds = out.trim().split('\n').map(Number);
    // child_process passes on whatever the engine opened without O_CLOEXEC (vitest's IPC here).
    if (kind === 'native') expect(fds).toEqual([0, 1, 2, 3]);
    else expect(fds.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it("runs @skiff/net's commands: input in, output and status out, ENOENT for a missing binary", async () => {
    const launch = spawnerCommandLauncher(make());
    expect(await launch('sh', ['-c', 'tr a-z A-Z; echo err >&2; exit 4'], 'abc')).toEqual({
      stdout: 'ABC',
      stderr: 'err\n',
      exitCode: 4,
      signal: null,
    });
    // A command that never reads its input is fine too.
    expect((await launch('true', [], 'x'.repeat(1 << 20))).exitCode).toBe(0);
    await expect(launch('skiff-no-such-binary', [], '')).rejects.toMatchObject({ code: 'ENOENT' });
    // The real kernel through LinuxHostNet: the loopback device is always there.
    const links = await new LinuxHostNet('ip', launch).listLinks();
    expect(links.map((l) => l.name)).toContain('lo');
  });

  it('connects an ignored stdio to /dev/null', async () => {
    const child = make().spawn('sh', ['-c', 'readlink /proc/self/fd/0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect((await text(child.stdout)).trim()).toBe('/dev/null');
    await child.exited;
  });
});

describe('createProcessSpawner', () => {
  it('picks the native spawner when the addon loads, child_process when it is off', async () => {
    expect(createProcessSpawner({}).spawner.kind).toBe('native');
    const off = createProcessSpawner({ [OS_ADDON_ENV]: 'off' });
    expect(off.spawner.kind).toBe('node');
    expect(off.fallbackReason).toContain('off');
  });

  it('leaves no zombie: the native exit watch reaps the child', async () => {
    const child = nativeSpawner().spawn('true', [], { stdio: ['ignore', 'ignore', 'ignore'] });
    await child.exited;
    await expect(readFile(`/proc/${child.pid}/stat`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
