import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, NotModifiedError } from '../../src/errors.js';
import { ContainerEngineFixture, text } from './engine-fixture.js';

let fx: ContainerEngineFixture;

beforeEach(async () => {
  fx = new ContainerEngineFixture();
  await fx.setup();
});

afterEach(async () => {
  await fx.teardown();
});

describe('container lifecycle (real crun, overlayfs, cgroups)', () => {
  it('runs a container to completion and keeps stdout and stderr apart in its logs', async () => {
    const svc = fx.service;
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      networkMode: 'none',
    });
    const exited = svc.wait(id, 'next-exit');
    await svc.start(id);
    expect((await exited).statusCode).toBe(3);
    const info = await svc.inspect(id);
    expect(info.state.status).toBe('exited');
    expect(info.state.exitCode).toBe(3);
    expect(await text(svc.logs(id, { stdout: true, stderr: false, follow: false }))).toBe('out\n');
    expect(await text(svc.logs(id, { stdout: false, stderr: true, follow: false }))).toBe('err\n');
    await svc.remove(id);
    await expect(svc.inspect(id)).rejects.toBeInstanceOf(NotFoundError);
    await fx.service.close();
    expect(await fx.leftovers()).toEqual([]);
  });

  it('stops with the stop signal, then SIGKILL after the timeout for a container that ignores it', async () => {
    const svc = fx.service;
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"],
      networkMode: 'none',
    });
    await svc.start(id);
    expect((await svc.inspect(id)).state.pid).toBeGreaterThan(0);
    await expect(svc.start(id)).rejects.toBeInstanceOf(NotModifiedError);
    const t0 = Date.now();
    await svc.stop(id, { timeoutSeconds: 1 });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    const info = await svc.inspect(id);
    expect(info.state.status).toBe('exited');
    expect(info.state.exitCode).toBe(137);
    await expect(svc.stop(id)).rejects.toBeInstanceOf(NotModifiedError);
  });

  it('refuses to remove a running container without force and kills it with force', async () => {
    const svc = fx.service;
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sleep', '60'],
      networkMode: 'none',
      name: 'sleeper',
    });
    await svc.start(id);
    await expect(svc.remove('sleeper')).rejects.toBeInstanceOf(ConflictError);
    await expect(svc.create({ image: 'busybox', name: 'sleeper', networkMode: 'none' })).rejects.toThrow(
      /already in use/,
    );
    await svc.remove('/sleeper', { force: true });
    await expect(svc.inspect('sleeper')).rejects.toThrow('No such container: sleeper');
    await fx.service.close();
    expect(await fx.leftovers()).toEqual([]);
  });

  it('kills with a signal, waits with each condition, and a wait can be aborted', async () => {
    const svc = fx.service;
    const { id } = await svc.create({ image: 'busybox', cmd: ['sleep', '60'], networkMode: 'none' });
    expect((await svc.wait(id, 'not-running')).statusCode).toBe(0);
    const ac = new AbortController();
    const aborted = svc.wait(id, 'next-exit', ac.signal);
    ac.abort(new Error('client went away'));
    await expect(aborted).rejects.toThrow('client went away');
    await svc.start(id);
    const nextExit = svc.wait(id, 'next-exit');
    const removed = svc.wait(id, 'removed');
    await expect(svc.kill(id, 'NOPE')).rejects.toThrow(/Invalid signal/);
    await svc.kill(id, 'SIGKILL');
    expect((await nextExit).statusCode).toBe(137);
    await expect(svc.kill(id)).rejects.toBeInstanceOf(ConflictError);
    await svc.remove(id);
    expect((await removed).statusCode).toBe(137);
  });

  it('restarts, pauses and unpauses, renames, and publishes the events', async () => {
    const svc = fx.service;
    const actions: string[] = [];
    const unsubscribe = fx.events.subscribe((e) => actions.push(e.Action));
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sh', '-c', "trap 'exit 0' TERM; echo ready; sleep 60 & wait"],
      networkMode: 'none',
      name: `r-${fx.engineName}`,
    });
    // The shell installs its trap a moment after start returns (as under Docker): wait for it.
    const ready = async () => {
      for (let i = 0; i < 200; i++) {
        if (
          (await text(svc.logs(id, { stdout: true, stderr: false, follow: false }))).split('ready').length >
          runs
        )
          return;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    let runs = 1;
    await svc.start(id);
    await ready();
    const firstPid = (await svc.inspect(id)).state.pid;
    await svc.restart(id, { timeoutSeconds: 5 });
    runs = 2;
    await ready();
    const second = await svc.inspect(id);
    expect(second.state.status).toBe('running');
    expect(second.state.pid).not.toBe(firstPid);
    await svc.pause(id);
    expect((await svc.inspect(id)).state.status).toBe('paused');
    await expect(svc.pause(id)).rejects.toBeInstanceOf(ConflictError);
    await svc.unpause(id);
    await svc.rename(id, `renamed-${fx.engineName}`);
    expect((await svc.inspect(`renamed-${fx.engineName}`)).id).toBe(id);
    await expect(svc.inspect(`r-${fx.engineName}`)).rejects.toBeInstanceOf(NotFoundError);
    await svc.stop(id);
    unsubscribe();
    expect(actions).toEqual([
      'create',
      'start',
      'die',
      'stop',
      'start',
      'restart',
      'pause',
      'unpause',
      'rename',
      'die',
      'stop',
    ]);
  });

  it('lists with all, label, name, status, exited, ancestor, before/since and limit filters', async () => {
    const svc = fx.service;
    const mk = async (name: string, labels: Record<string, string>, cmd: string[]) => {
      const { id } = await svc.create({
        image: 'busybox',
        cmd,
        networkMode: 'none',
        name: `${name}-${fx.engineName}`,
        labels,
      });
      return id;
    };
    const a = await mk('a', { tier: 'web', env: 'prod' }, ['sleep', '60']);
    const b = await mk('b', { tier: 'web' }, ['sh', '-c', 'exit 2']);
    const c = await mk('c', { tier: 'db' }, ['true']);
    await svc.start(a);
    const bExit = svc.wait(b, 'next-exit');
    await svc.start(b);
    await bExit;
    const ids = async (o: Parameters<typeof svc.list>[0]) => (await svc.list(o)).map((r) => r.id);
    expect(await ids({ all: false, filters: {} })).toEqual([a]);
    expect(await ids({ all: true, filters: {} })).toEqual([c, b, a]);
    expect(await ids({ all: true, filters: { label: ['tier=web'] } })).toEqual([b, a]);
    expect(await ids({ all: true, filters: { label: ['tier=web', 'env'] } })).toEqual([a]);
    expect(await ids({ all: true, filters: { name: [`b-${fx.engineName}`] } })).toEqual([b]);
    expect(await ids({ all: false, filters: { status: ['exited', 'created'] } })).toEqual([c, b]);
    expect(await ids({ all: true, filters: { exited: ['2'] } })).toEqual([b]);
    expect(await ids({ all: true, filters: { ancestor: ['busybox'] } })).toEqual([c, b, a]);
    expect(await ids({ all: true, filters: { before: [c] } })).toEqual([b, a]);
    expect(await ids({ all: true, filters: { since: [a] } })).toEqual([c, b]);
    expect(await ids({ all: false, limit: 1, filters: {} })).toEqual([c]);
    await expect(svc.list({ all: true, filters: { bogus: ['x'] } })).rejects.toThrow(/invalid filter/);
  });

  it('reports top and stats for a running container', async () => {
    const svc = fx.service;
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sleep', '60'],
      networkMode: 'none',
      resources: { memory: 32 * 1024 * 1024 },
    });
    await svc.start(id);
    const top = await svc.top(id);
    expect(top.titles).toContain('PID');
    expect(top.processes.some((p) => p.at(-1) === 'sleep 60')).toBe(true);
    const stats = await svc.stats(id);
    expect(stats.memoryLimit).toBe(32 * 1024 * 1024);
    expect(stats.memoryUsage).toBeGreaterThan(0);
    expect(stats.pids).toBe(1);
    expect(stats.systemCpuNs).toBeGreaterThan(0);
  });

  it('prunes stopped containers and removes a session by label', async () => {
    const svc = fx.service;
    const session = { 'dev.skiff.session': `s-${fx.engineName}` };
    const stopped = (await svc.create({ image: 'busybox', cmd: ['true'], networkMode: 'none' })).id;
    const running = (
      await svc.create({ image: 'busybox', cmd: ['sleep', '60'], networkMode: 'none', labels: session })
    ).id;
    const created = (
      await svc.create({ image: 'busybox', cmd: ['true'], networkMode: 'none', labels: session })
    ).id;
    await svc.start(running);
    const pruned = await svc.prune({ 'label!': ['dev.skiff.session'] });
    expect(pruned.deleted).toEqual([stopped]);
    expect((await svc.removeByLabel('dev.skiff.session', `s-${fx.engineName}`)).sort()).toEqual(
      [running, created].sort(),
    );
    expect(await svc.list({ all: true, filters: {} })).toEqual([]);
    await svc.close();
    expect(await fx.leftovers()).toEqual([]);
  });

  it('refuses a bridge network when the engine runs without a network manager', async () => {
    await expect(fx.service.create({ image: 'busybox', cmd: ['true'] })).rejects.toThrow(
      /needs the network manager.*use network mode "none" or "host"/,
    );
    await expect(fx.service.create({ image: 'no-such-image', networkMode: 'none' })).rejects.toThrow(
      'No such image: no-such-image',
    );
    expect(await fx.service.list({ all: true, filters: {} })).toEqual([]);
    await fx.service.close();
    expect(await fx.leftovers()).toEqual([]);
  });

  it('fails the start of a missing binary like Docker: 127, state created, the runtime error recorded', async () => {
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['/no/such/program'],
      networkMode: 'none',
    });
    await expect(fx.service.start(id)).rejects.toThrow(/failed to start container .*no\/such\/program/);
    const info = await fx.service.inspect(id);
    expect(info.state).toMatchObject({ status: 'created', exitCode: 127 });
    expect(info.state.error).toMatch(/no\/such\/program/);
    await fx.service.remove(id);
  });

  it('gives a name to exactly one of many concurrent creates, and generated names are docker-style', async () => {
    const name = `race-${fx.engineName}`;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        fx.service.create({ image: 'busybox', cmd: ['true'], networkMode: 'none', name }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    const { id } = await fx.service.create({ image: 'busybox', cmd: ['true'], networkMode: 'none' });
    expect((await fx.service.inspect(id)).spec.name).toMatch(/^[a-z]+_[a-z]+\d?$/);
  });

  it('stops and force-removes paused containers', async () => {
    const svc = fx.service;
    const a = (await svc.create({ image: 'busybox', cmd: ['sleep', '60'], networkMode: 'none' })).id;
    const b = (await svc.create({ image: 'busybox', cmd: ['sleep', '60'], networkMode: 'none' })).id;
    await svc.start(a);
    await svc.start(b);
    await svc.pause(a);
    await svc.pause(b);
    await svc.stop(a, { timeoutSeconds: 1 });
    expect((await svc.inspect(a)).state).toMatchObject({ status: 'exited', exitCode: 137 });
    const waiting = svc.wait(b, 'next-exit');
    await svc.remove(b, { force: true });
    expect((await waiting).statusCode).toBe(137);
    const created = (await svc.create({ image: 'busybox', cmd: ['true'], networkMode: 'none' })).id;
    const never = svc.wait(created, 'next-exit');
    await svc.remove(created);
    expect((await never).statusCode).toBe(0);
    await svc.remove(a);
    await svc.close();
    expect(await fx.leftovers()).toEqual([]);
  });
});
