import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  readBoundingCapabilities,
} from '../src/runtime/capabilities.js';
import { buildExecProcess } from '../src/runtime/oci-spec.js';
import { collect, RuntimeHarness } from './runtime-harness.js';

function capMask(caps: readonly string[]): string {
  let mask = 0n;
  for (const cap of caps)
    mask |= 1n << BigInt(ALL_CAPABILITIES.indexOf(cap as (typeof ALL_CAPABILITIES)[number]));
  return mask.toString(16).padStart(16, '0');
}

const ROOT_USER = { uid: 0, gid: 0, additionalGids: [], home: '/root', username: 'root' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stream's text so far, a wait for some text to appear, and all of it once it ends. */
function capture(stream: Readable) {
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  const all = new Promise<string>((resolve) => stream.once('end', () => resolve(text)));
  return {
    all,
    async until(wanted: string): Promise<void> {
      while (!text.includes(wanted)) {
        if (stream.readableEnded) throw new Error(`output ended without ${JSON.stringify(wanted)}: ${text}`);
        await sleep(5);
      }
    },
  };
}

describe.each(['crun', 'runc'] as const)('%s through CliOciRuntime (real kernel)', (runtimeName) => {
  let h: RuntimeHarness;

  beforeEach(async () => {
    h = new RuntimeHarness(runtimeName);
    await h.setup();
  });

  afterEach(async () => {
    let left: string[] = [];
    try {
      await h.rootfs.reconcile(new Set());
      left = await h.leftovers();
    } finally {
      await h.cleanup();
    }
    expect(left).toEqual([]);
  });

  /** Runs a one-shot container to completion and returns what it printed. */
  async function runToEnd(overrides: Parameters<RuntimeHarness['start']>[0]) {
    const { id, process: p } = await h.start(overrides);
    const [stdout, stderr, status] = await Promise.all([collect(p.stdout), collect(p.stderr), p.exited]);
    await h.rootfs.release(id);
    return { stdout, stderr, status };
  }

  it('propagates the exit code and keeps stdout and stderr apart', async () => {
    const r = await runToEnd({ cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'] });
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', status: { exitCode: 7 } });
  });

  it('feeds stdin to the container', async () => {
    const { id, process: p } = await h.start(
      { cmd: ['sh', '-c', 'read line; echo "got $line"; cat'] },
      { stdin: true },
    );
    p.stdin?.write('hello\nrest\n');
    p.stdin?.end();
    const [out, status] = await Promise.all([collect(p.stdout), p.exited]);
    expect(out).toBe('got hello\nrest\n');
    expect(status.exitCode).toBe(0);
    await h.rootfs.release(id);
  });

  it('runs a TTY container on a pseudo-terminal that can be resized', async () => {
    const { id, process: p } = await h.start(
      {
        tty: true,
        consoleSize: { rows: 30, cols: 100 },
        cmd: ['sh', '-c', 'stty size; read x; stty size; echo "got $x"; exit 3'],
      },
      { stdin: true, tty: true, consoleSize: { rows: 30, cols: 100 } },
    );
    expect(p.stderr).toBeNull();
    const output = capture(p.stdout);
    await output.until('30 100\r\n');
    await p.resize({ rows: 40, cols: 120 });
    p.stdin?.write('hello\r');
    const status = await p.exited;
    const text = await output.all;
    expect(status.exitCode).toBe(3);
    expect(text).toContain('30 100\r\n');
    expect(text).toContain('40 120\r\n');
    expect(text).toContain('got hello\r\n');
    await h.rootfs.release(id);
  });

  it("gives Docker's default capabilities, adjusted by CapAdd and CapDrop", async () => {
    const def = await runToEnd({ cmd: ['grep', 'CapEff', '/proc/self/status'] });
    expect(def.stdout.trim()).toBe(`CapEff:\t${capMask(DEFAULT_CAPABILITIES)}`);
    const tweaked = await runToEnd({
      cmd: ['grep', 'CapEff', '/proc/self/status'],
      capAdd: ['NET_ADMIN'],
      capDrop: ['chown'],
    });
    const expected = [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'), 'CAP_NET_ADMIN'];
    expect(tweaked.stdout.trim()).toBe(`CapEff:\t${capMask(expected)}`);
  });

  it('gives a privileged container every capability, the host devices and unmasked /proc', async () => {
    const r = await runToEnd({
      privileged: true,
      cmd: [
        'sh',
        '-c',
        'grep CapEff /proc/self/status; test -c /dev/kmsg && echo kmsg; wc -c < /proc/interrupts; unshare -U true && echo userns',
      ],
    });
    const [caps, kmsg, interrupts, userns] = r.stdout.trim().split('\n');
    // Everything the engine itself may hold (this VM's bounding set lacks CAP_SYS_RESOURCE).
    expect(caps).toBe(`CapEff:\t${capMask((await readBoundingCapabilities()) ?? [])}`);
    expect(kmsg).toBe('kmsg');
    expect(Number(interrupts)).toBeGreaterThan(0);
    expect(userns).toBe('userns');
  });

  it('masks kernel files and keeps /proc/sys read-only', async () => {
    const r = await runToEnd({
      cmd: [
        'sh',
        '-c',
        'wc -c < /proc/interrupts; wc -c < /proc/timer_list; ls /sys/firmware | wc -l; echo 3 > /proc/sys/vm/drop_caches || echo refused',
      ],
    });
    expect(r.stdout).toBe('0\n0\n0\nrefused\n');
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  it('blocks user namespaces through seccomp, and seccomp=unconfined lifts it', async () => {
    const { id, process: p, spec } = await h.start({ cmd: ['unshare', '-U', 'true'] });
    // crun gets the filter precompiled (once per profile); runc compiles the profile itself.
    expect(spec.annotations?.['run.oci.seccomp_bpf_data'] !== undefined).toBe(runtimeName === 'crun');
    const [stderr, status] = await Promise.all([collect(p.stderr), p.exited, collect(p.stdout)]);
    await h.rootfs.release(id);
    expect(status.exitCode).not.toBe(0);
    expect(stderr).toMatch(/Operation not permitted/);
    const confined = await runToEnd({ cmd: ['unshare', '-U', 'true'] });
    expect(confined.status.exitCode).not.toBe(0);
    expect(confined.stderr).toMatch(/Operation not permitted/);
    const unconfined = await runToEnd({
      cmd: ['unshare', '-U', 'true'],
      securityOpt: ['seccomp=unconfined'],
    });
    expect(unconfined.status.exitCode).toBe(0);
  });

  it('sets no_new_privs unless told otherwise', async () => {
    const on = await runToEnd({ cmd: ['grep', 'NoNewPrivs', '/proc/self/status'] });
    expect(on.stdout).toMatch(/NoNewPrivs:\s+1/);
    const off = await runToEnd({
      cmd: ['grep', 'NoNewPrivs', '/proc/self/status'],
      securityOpt: ['no-new-privileges=false'],
    });
    expect(off.stdout).toMatch(/NoNewPrivs:\s+0/);
  });

  it('puts memory, pids and cpu limits into the container cgroup', async () => {
    const { id, process: p } = await h.start({
      cmd: ['sleep', '30'],
      resources: { memory: 64 * 1024 * 1024, pidsLimit: 20, nanoCpus: 500_000_000 },
    });
    await h.waitRunning(id);
    const cg = (controller: string, file: string) =>
      readFile(path.join('/sys/fs/cgroup', controller, 'skiff', h.engine, id, file), 'utf8').then((s) =>
        s.trim(),
      );
    expect(await cg('memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(await cg('pids', 'pids.max')).toBe('20');
    expect(await cg('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    await h.runtime.kill(id, 'SIGKILL');
    expect((await p.exited).exitCode).toBe(137);
    await h.rootfs.release(id);
  });

  it('refuses writes to a read-only root but keeps /dev/shm writable', async () => {
    const r = await runToEnd({
      readonlyRootfs: true,
      cmd: ['sh', '-c', 'touch /x || echo refused; touch /dev/shm/ok && echo shm'],
    });
    expect(r.stdout).toBe('refused\nshm\n');
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  it('maps start failures to 127 (not found) and 126 (not executable)', async () => {
    const missing = await runToEnd({ cmd: ['no-such-binary'] });
    expect(missing.status.exitCode).toBe(127);
    expect(missing.status.error).toMatch(/no-such-binary/);
    const notExec = await runToEnd({ cmd: ['/bin/not-executable'] });
    expect(notExec.status.exitCode).toBe(126);
  });

  it('execs in a running container with env, cwd, user, stdin and exit codes', async () => {
    const { id, process: init, spec } = await h.start({ cmd: ['sleep', '60'], env: ['FOO=container'] });
    await h.waitRunning(id);
    const app = { uid: 1000, gid: 1000, additionalGids: [10], home: '/home/app', username: 'app' };
    const exec = (
      cmd: string[],
      extra: Partial<Parameters<typeof buildExecProcess>[1]> = {},
      stdin = false,
    ) =>
      h.runtime.exec(id, buildExecProcess(spec, { cmd, user: ROOT_USER, tty: false, ...extra }), {
        stdin,
        tty: false,
      });

    const e1 = exec(['sh', '-c', 'echo $FOO $BAR; pwd; id -u; id -G'], {
      env: ['BAR=exec'],
      workingDir: '/tmp',
      user: app,
    });
    const [out1, st1] = await Promise.all([collect(e1.stdout), e1.exited]);
    expect(out1).toBe('container exec\n/tmp\n1000\n1000 10\n');
    expect(st1).toEqual({ exitCode: 0 });

    const e2 = exec(['sh', '-c', 'exit 5']);
    expect((await e2.exited).exitCode).toBe(5);

    const e3 = exec(['cat'], {}, true);
    e3.stdin?.end('piped\n');
    expect(await collect(e3.stdout)).toBe('piped\n');

    const missing = exec(['no-such-binary']);
    const st4 = await missing.exited;
    expect(st4.exitCode).toBe(127);
    expect(st4.error).toMatch(/no-such-binary/);
    expect((await exec(['/bin/not-executable']).exited).exitCode).toBe(126);

    await h.runtime.kill(id, 'SIGKILL');
    await init.exited;
    await h.rootfs.release(id);
  });

  it('runs an exec under a TTY that can be resized', async () => {
    const { id, process: init, spec } = await h.start({ cmd: ['sleep', '60'] });
    await h.waitRunning(id);
    const e = h.runtime.exec(
      id,
      buildExecProcess(spec, {
        cmd: ['sh', '-c', 'tty; stty size; read x; stty size'],
        user: ROOT_USER,
        tty: true,
      }),
      { stdin: true, tty: true, consoleSize: { rows: 20, cols: 70 } },
    );
    expect(e.stderr).toBeNull();
    const output = capture(e.stdout);
    await output.until('20 70\r\n');
    await e.resize({ rows: 33, cols: 99 });
    e.stdin?.write('go\r');
    const status = await e.exited;
    expect(status.exitCode).toBe(0);
    expect(await output.all).toMatch(/\/dev\/pts\/\d+\r\n20 70\r\ngo\r\n33 99\r\n/);
    await h.runtime.kill(id, 'SIGKILL');
    await init.exited;
    await h.rootfs.release(id);
  });

  /** What `tty` printed, with the terminal's number left out: `/dev/pts/N\r\n`. */
  const ttyName = (out: string) => out.replace(/\/dev\/pts\/\d+/g, '/dev/pts/N');

  it('loses no output of TTY execs that exit at once (200 in a row)', async () => {
    const { id, process: init, spec } = await h.start({ cmd: ['sleep', '600'] });
    await h.waitRunning(id);
    const seen = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const e = h.runtime.exec(id, buildExecProcess(spec, { cmd: ['tty'], user: ROOT_USER, tty: true }), {
        stdin: false,
        tty: true,
      });
      const [out, status] = await Promise.all([collect(e.stdout), e.exited]);
      const key = `${JSON.stringify(ttyName(out))} exit ${status.exitCode}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(seen)).toEqual({ '"/dev/pts/N\\r\\n" exit 0': 200 });
    await h.runtime.kill(id, 'SIGKILL');
    await init.exited;
    await h.rootfs.release(id);
  });

  it('loses no output of TTY containers that exit at once', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const { id, process: p } = await h.start({ tty: true, cmd: ['tty'] }, { tty: true });
      const [out, status] = await Promise.all([collect(p.stdout), p.exited]);
      await h.rootfs.release(id);
      const key = `${JSON.stringify(ttyName(out))} exit ${status.exitCode}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(seen)).toEqual({ '"/dev/pts/N\\r\\n" exit 0': 40 });
  });

  it("ends a TTY exec's output at its exit while a background process still holds the terminal", async () => {
    const { id, process: init, spec } = await h.start({ cmd: ['sleep', '600'] });
    await h.waitRunning(id);
    const e = h.runtime.exec(
      id,
      buildExecProcess(spec, {
        // The holder has a session of its own: the shell's exit does not hang it up.
        cmd: [
          'sh',
          '-c',
          'setsid sh -c "touch /tmp/held; exec sleep 61" & until [ -e /tmp/held ]; do sleep 0.01; done; echo started',
        ],
        user: ROOT_USER,
        tty: true,
      }),
      { stdin: false, tty: true },
    );
    const [out, status] = await Promise.all([collect(e.stdout), e.exited]);
    expect(out).toBe('started\r\n');
    expect(status.exitCode).toBe(0);
    const ps = h.runtime.exec(
      id,
      buildExecProcess(spec, { cmd: ['ps', '-o', 'args'], user: ROOT_USER, tty: false }),
      {
        stdin: false,
        tty: false,
      },
    );
    expect(await collect(ps.stdout)).toContain('sleep 61');
    await h.runtime.kill(id, 'SIGKILL', { all: true });
    await init.exited;
    await h.rootfs.release(id);
  });

  it("reports the started process: the init's pid for run, the exec'd process's for exec, none if it never ran", async () => {
    const { id, process: init, spec } = await h.start({ cmd: ['sleep', '600'] });
    const started = await init.started;
    expect(started?.pid).toBe(await h.waitRunning(id));
    const e = h.runtime.exec(
      id,
      buildExecProcess(spec, { cmd: ['sleep', '62'], user: ROOT_USER, tty: false }),
      {
        stdin: false,
        tty: false,
      },
    );
    const execPid = (await e.started)?.pid ?? 0;
    expect((await readFile(`/proc/${execPid}/cmdline`, 'utf8')).split('\0')).toEqual(['sleep', '62', '']);
    process.kill(execPid, 'SIGKILL');
    expect((await e.exited).exitCode).toBe(137);
    await h.runtime.kill(id, 'SIGKILL');
    await init.exited;
    await h.rootfs.release(id);
    const missing = await h.start({ cmd: ['/no/such/program'] });
    expect(await missing.process.started).toBeUndefined();
    expect((await missing.process.exited).exitCode).toBe(127);
    await h.rootfs.release(missing.id);
  });

  it('kills an init that ignores SIGTERM with SIGKILL, and reports state, pause and resume on the way', async () => {
    const { id, process: p } = await h.start({ cmd: ['sleep', '1000'] });
    const pid = await h.waitRunning(id);
    expect(await h.runtime.state(id)).toMatchObject({ id, status: 'running', pid });
    expect((await h.runtime.list()).map((s) => s.id)).toEqual([id]);
    await h.runtime.pause(id);
    expect((await h.runtime.state(id))?.status).toBe('paused');
    await h.runtime.resume(id);
    await h.runtime.kill(id, 'SIGTERM');
    await sleep(300);
    expect((await h.runtime.state(id))?.status).toBe('running');
    await h.runtime.kill(id, 'SIGKILL');
    expect(await p.exited).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(await h.runtime.state(id)).toBeUndefined();
    await expect(h.runtime.kill(id, 'SIGKILL')).rejects.toThrow(/No such container/);
    await h.runtime.delete(id);
    await h.rootfs.release(id);
  });

  it('cleans up after the runtime process itself is killed (engine crash path)', async () => {
    const { id, process: p } = await h.start({ cmd: ['sleep', '1000'] });
    await h.waitRunning(id);
    process.kill(p.pid, 'SIGKILL');
    expect((await p.exited).exitCode).toBe(137);
    expect((await h.runtime.state(id))?.status).toBe('running');
    await h.runtime.kill(id, 'SIGKILL', { all: true });
    for (let i = 0; i < 100 && (await h.runtime.state(id))?.status === 'running'; i++) await sleep(20);
    await h.runtime.delete(id, { force: true });
    expect(await h.runtime.state(id)).toBeUndefined();
    // Files a crashed engine left for its runtime calls are removed by the next engine start.
    await writeFile(path.join(h.base, 'scratch', 'runtime-calls', `${id}.dead.log`), '');
    expect(await h.runtime.removeStaleCallFiles()).toBe(1);
    expect(await h.runtime.removeStaleCallFiles()).toBe(0);
    await h.rootfs.release(id);
  });
});
