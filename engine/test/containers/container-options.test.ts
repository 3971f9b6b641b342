import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerCreateInput } from '../../src/containers/container-service.js';
import { createContainerService } from '../../src/containers/local-container-service.js';
import type { EngineEvent } from '../../src/events/event-bus.js';
import { ContainerEngineFixture, text } from './engine-fixture.js';

let fx: ContainerEngineFixture;
let hostDir: string;

beforeAll(async () => {
  fx = new ContainerEngineFixture();
  await fx.setup();
  hostDir = await mkdtemp(path.join(tmpdir(), 'skiff-options-host-'));
});

afterAll(async () => {
  await fx.teardown();
  await rm(hostDir, { recursive: true, force: true });
});

/** Runs `script` to completion; returns exit code and stdout+stderr. */
async function run(
  script: string,
  extra: Partial<ContainerCreateInput> = {},
): Promise<{ code: number; out: string; id: string }> {
  const { id } = await fx.service.create({
    image: 'busybox',
    cmd: ['sh', '-c', script],
    networkMode: 'none',
    ...extra,
  });
  const exited = fx.service.wait(id, 'next-exit');
  await fx.service.start(id);
  const { statusCode } = await exited;
  return {
    code: statusCode,
    out: await text(fx.service.logs(id, { stdout: true, stderr: true, follow: false })),
    id,
  };
}

describe('create options', () => {
  it('sets env, workdir, user, hostname and labels', async () => {
    const { out, id } = await run('echo "$GREETING|$(pwd)|$(id -u):$(id -g)|$(hostname)|$HOSTNAME"', {
      env: ['GREETING=hi'],
      workingDir: '/tmp',
      user: '1000:10',
      hostname: 'box',
      labels: { team: 'a' },
    });
    expect(out).toBe('hi|/tmp|1000:10|box|box\n');
    expect((await fx.service.inspect(id)).spec.labels).toEqual({ team: 'a' });
  });

  it('mounts tmpfs, read-only binds and named volumes that outlive the container', async () => {
    await writeFile(path.join(hostDir, 'in.txt'), 'from host');
    const mounts: ContainerCreateInput['mounts'] = [
      { type: 'tmpfs', target: '/scratch', options: ['size=1m'] },
      { type: 'bind', source: hostDir, target: '/host', readOnly: true },
      { type: 'volume', name: `vol-${fx.engineName}`, target: '/data', readOnly: false, anonymous: false },
    ];
    const first = await run(
      'grep -q "/scratch tmpfs" /proc/mounts && cat /host/in.txt && (touch /host/x 2>/dev/null && echo writable || echo ro) && echo kept > /data/f',
      { mounts },
    );
    expect(first.out).toBe('from hostro\n');
    const second = await run('cat /data/f', { mounts });
    expect(second.out).toBe('kept\n');
    const volume = await fx.service.volumes.get(`vol-${fx.engineName}`);
    expect(await readFile(path.join(volume.mountpoint, 'f'), 'utf8')).toBe('kept\n');
    await expect(fx.service.volumes.remove(volume.name)).rejects.toThrow(/volume is in use/);
    await fx.service.remove(first.id);
    await fx.service.remove(second.id, { removeVolumes: true });
    // Named volumes are never removed with their container, anonymous ones are with -v.
    expect(await fx.service.volumes.find(volume.name)).toBeDefined();
    await fx.service.volumes.remove(volume.name);
  });

  it('gives image volumes anonymous volumes that -v removes', async () => {
    const { id } = await run('echo x > /cache/f', { volumes: ['/cache'] });
    const info = await fx.service.inspect(id);
    const mount = info.mounts.find((m) => m.destination === '/cache');
    expect(mount?.type).toBe('volume');
    expect(await readdir(mount!.source)).toEqual(['f']);
    await fx.service.remove(id, { removeVolumes: true });
    expect(await fx.service.volumes.find(mount!.name!)).toBeUndefined();
  });

  it('keeps the root read-only when asked', async () => {
    const { out } = await run('touch /x 2>&1; echo ok > /tmp/t 2>&1 || echo tmp-ro', {
      readonlyRootfs: true,
    });
    expect(out).toMatch(/Read-only file system/);
  });

  it('applies pids, cpu and memory limits, ulimits and shm size through cgroups and rlimits', async () => {
    const { out, id } = await run(
      'cat /sys/fs/cgroup/pids/pids.max; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; ulimit -n; df -k /dev/shm | tail -1 | awk "{print \\$2}"',
      {
        resources: { pidsLimit: 42, nanoCpus: 500_000_000, memory: 64 * 1024 * 1024 },
        ulimits: [{ name: 'nofile', soft: 321, hard: 321 }],
        shmSize: 8 * 1024 * 1024,
      },
    );
    expect(out.split('\n').slice(0, 4)).toEqual(['42', '50000', '321', '8192']);
    expect((await fx.service.inspect(id)).state.oomKilled).toBe(false);
  });

  it('records an OOM kill when the memory limit is exceeded', async () => {
    const { code, id } = await run('dd if=/dev/zero of=/dev/null bs=64M count=1', {
      resources: { memory: 16 * 1024 * 1024 },
    });
    expect(code).toBe(137);
    expect((await fx.service.inspect(id)).state.oomKilled).toBe(true);
  });

  it('drops and adds capabilities, and privileged gets them all', async () => {
    const capEff = 'grep CapEff /proc/self/status';
    const dflt = (await run(capEff)).out;
    const dropped = (await run(capEff, { capDrop: ['CHOWN'] })).out;
    const added = (await run(capEff, { capAdd: ['NET_ADMIN'] })).out;
    const priv = (await run(capEff, { privileged: true })).out;
    const mask = (s: string) => BigInt(`0x${s.trim().split(/\s+/)[1]}`);
    expect(mask(dflt) & 1n).toBe(1n); // CAP_CHOWN is bit 0
    expect(mask(dropped) & 1n).toBe(0n);
    expect(mask(added) & (1n << 12n)).toBe(1n << 12n); // CAP_NET_ADMIN
    expect(mask(priv)).toBeGreaterThan(mask(added));
  });

  it('removes an auto-remove container after it exits, with its anonymous volumes', async () => {
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['true'],
      networkMode: 'none',
      autoRemove: true,
      volumes: ['/anon'],
    });
    const anon = (await fx.service.inspect(id)).mounts[0]!.name!;
    const removed = fx.service.wait(id, 'removed');
    await fx.service.start(id);
    expect((await removed).statusCode).toBe(0);
    await expect(fx.service.inspect(id)).rejects.toThrow(`No such container: ${id}`);
    expect(await fx.service.volumes.find(anon)).toBeUndefined();
  });

  it('restarts on failure up to the retry count with a backoff', async () => {
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'echo attempt; exit 1'],
      networkMode: 'none',
      restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
    });
    await fx.service.start(id);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const info = await fx.service.inspect(id);
      if (info.state.status === 'exited' && info.state.restartCount === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const info = await fx.service.inspect(id);
    expect(info.state.restartCount).toBe(2);
    expect(info.state.status).toBe('exited');
    expect(await text(fx.service.logs(id, { stdout: true, stderr: true, follow: false }))).toBe(
      'attempt\n'.repeat(3),
    );
  });

  it('does not restart an always container the user stopped', async () => {
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['sleep', '60'],
      networkMode: 'none',
      restartPolicy: { name: 'always', maximumRetryCount: 0 },
    });
    await fx.service.start(id);
    await fx.service.stop(id, { timeoutSeconds: 0 });
    await new Promise((r) => setTimeout(r, 400));
    expect((await fx.service.inspect(id)).state.status).toBe('exited');
  });

  it('runs a healthcheck: starting, then healthy with a health_status event, output recorded', async () => {
    const events: EngineEvent[] = [];
    const unsubscribe = fx.events.subscribe((e) => events.push(e));
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'sleep 0.3; touch /tmp/ready; sleep 60'],
      networkMode: 'none',
      healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/ready && echo fine'], Interval: 100e6, Retries: 50 },
    });
    await fx.service.start(id);
    expect((await fx.service.inspect(id)).state.health?.status).toBe('starting');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await fx.service.inspect(id)).state.health?.status !== 'healthy') {
      await new Promise((r) => setTimeout(r, 50));
    }
    const health = (await fx.service.inspect(id)).state.health!;
    expect(health.status).toBe('healthy');
    expect(health.log.at(-1)?.output).toBe('fine\n');
    expect(events.some((e) => e.Actor.ID === id && e.Action === 'health_status: healthy')).toBe(true);
    unsubscribe();
    await fx.service.remove(id, { force: true });
  });

  it('confines every container with the default seccomp filter, compiled once and then reused', async () => {
    const probe = 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t" " "';
    const first = await run(`sleep 0.2; ${probe}`);
    const second = await run(probe);
    const unconfined = await run(probe, { securityOpt: ['seccomp=unconfined'] });
    expect(first.out).toBe('NoNewPrivs: 1\nSeccomp: 2\n');
    expect(second.out).toBe(first.out);
    expect(unconfined.out).toBe('NoNewPrivs: 1\nSeccomp: 0\n');
    const bundle = JSON.parse(
      await readFile(path.join(fx.base, 'scratch', 'containers', second.id, 'bundle', 'config.json'), 'utf8'),
    ) as { annotations?: Record<string, string>; linux: { seccomp?: unknown } };
    expect(bundle.annotations?.['run.oci.seccomp_bpf_data']).toBeTruthy();
    expect(bundle.linux.seccomp).toBeDefined();
  });

  it('starts an empty volume as a copy of what the image has at its path', async () => {
    const { id, out } = await run('cat /etc/passwd | head -1; echo mine > /etc/added', { volumes: ['/etc'] });
    expect(out).toBe('root:x:0:0:root:/root:/bin/sh\n');
    const mount = (await fx.service.inspect(id)).mounts.find((m) => m.destination === '/etc')!;
    expect((await readdir(mount.source)).sort()).toEqual(
      expect.arrayContaining(['added', 'group', 'passwd']),
    );
    await fx.service.remove(id, { removeVolumes: true });
  });
});

describe('--init (Init: true)', () => {
  /** What `cmd` prints in a running container. */
  async function execText(id: string, cmd: string[]): Promise<string> {
    const execId = await fx.service.createExec(id, { cmd, attachStdout: true, attachStderr: true });
    return text((await fx.service.startExec(execId, { detach: false })).output);
  }

  /** The container's zombie processes (`ps` state Z), once `done` accepts them. */
  async function zombies(id: string, done: (found: string[]) => boolean): Promise<string[]> {
    for (let i = 0; ; i++) {
      const found = (await execText(id, ['ps', '-o', 'stat,args']))
        .split('\n')
        .filter((l) => /^\s*Z/.test(l))
        .map((l) => l.trim());
      if (done(found) || i === 100) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until `file` exists in the container. */
  async function untilFile(id: string, file: string): Promise<void> {
    while ((await execText(id, ['sh', '-c', `test -e ${file} && echo yes`])) !== 'yes\n')
      await new Promise((r) => setTimeout(r, 50));
  }

  it("runs the command under the engine's static tini as PID 1, at /sbin/docker-init, exit code through", async () => {
    const { code, out, id } = await run(
      'tr "\\0" " " < /proc/1/cmdline; echo; ls -l /sbin/docker-init; exit 3',
      {
        init: true,
      },
    );
    expect(code).toBe(3);
    const [cmdline, mount] = out.split('\n');
    expect(cmdline).toBe(
      '/sbin/docker-init -- sh -c tr "\\0" " " < /proc/1/cmdline; echo; ls -l /sbin/docker-init; exit 3 ',
    );
    expect(mount).toMatch(/^-r.xr.xr.x .* \/sbin\/docker-init$/);
    expect((await fx.service.inspect(id)).spec.init).toBe(true);
  });

  it('passes the stop signal and others to the command, which as PID 1 would ignore them', async () => {
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['sleep', '600'],
      networkMode: 'none',
      init: true,
    });
    await fx.service.start(id);
    // tini ignores signals until it has forked the command (as PID 1, like under Docker): stop
    // once sleep runs, so the test is about forwarding and not about that start-up window.
    while (!(await fx.service.top(id)).processes.some((p) => p.join(' ').includes('sleep 600'))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await fx.service.stop(id, { timeoutSeconds: 30 });
    // 143: SIGTERM reached sleep through tini; without it, SIGKILL after the timeout (137).
    expect((await fx.service.inspect(id)).state.exitCode).toBe(143);

    const { id: trapped } = await fx.service.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'trap "echo got USR1; exit 7" USR1; echo ready; while true; do sleep 0.05; done'],
      networkMode: 'none',
      init: true,
    });
    const exited = fx.service.wait(trapped, 'next-exit');
    await fx.service.start(trapped);
    while (
      !(await text(fx.service.logs(trapped, { stdout: true, stderr: false, follow: false }))).includes(
        'ready',
      )
    )
      await new Promise((r) => setTimeout(r, 20));
    await fx.service.kill(trapped, 'SIGUSR1');
    expect((await exited).statusCode).toBe(7);
    expect(await text(fx.service.logs(trapped, { stdout: true, stderr: true, follow: false }))).toBe(
      'ready\ngot USR1\n',
    );
  });

  it('reaps orphaned processes, which a plain PID 1 leaves as zombies', async () => {
    // The orphan (reparented to PID 1 when its parent subshell exits) marks its end in a file.
    const orphan = ['sh', '-c', '(sh -c "sleep 0.1; touch /tmp/orphan-done" &); exec sleep 600'];
    const withInit = await fx.service.create({
      image: 'busybox',
      cmd: orphan,
      networkMode: 'none',
      init: true,
    });
    const plain = await fx.service.create({ image: 'busybox', cmd: orphan, networkMode: 'none' });
    for (const { id } of [withInit, plain]) {
      await fx.service.start(id);
      await untilFile(id, '/tmp/orphan-done');
    }
    expect(await zombies(plain.id, (z) => z.length > 0)).toEqual([
      expect.stringMatching(/^Z\s+\[(sh|touch)\]$/),
    ]);
    expect(await zombies(withInit.id, (z) => z.length === 0)).toEqual([]);
    for (const { id } of [withInit, plain]) await fx.service.remove(id, { force: true });
  });

  it('fails the start clearly when the engine has no init binary', async () => {
    const none = await createContainerService({ ...fx.deps, initPath: null });
    const { id } = await none.create({ image: 'busybox', cmd: ['true'], networkMode: 'none', init: true });
    await expect(none.start(id)).rejects.toThrow(/no init binary .*install Debian's tini package/);
    await none.remove(id, { force: true });
  });
});
