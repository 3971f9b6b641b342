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
});
