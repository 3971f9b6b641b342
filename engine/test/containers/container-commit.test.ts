import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerEngineFixture, text } from './engine-fixture.js';

let fx: ContainerEngineFixture;

beforeAll(async () => {
  fx = new ContainerEngineFixture();
  await fx.setup();
});

afterAll(async () => {
  await fx.teardown();
});

describe('commit', () => {
  it('turns the upper dir into a new layer, with deletions, history and --change applied', async () => {
    const svc = fx.service;
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'echo committed > /hello && rm /bin/not-executable && mkdir -p /srv/app'],
      networkMode: 'none',
      env: ['STAGE=build'],
    });
    const exited = svc.wait(id, 'next-exit');
    await svc.start(id);
    expect((await exited).statusCode).toBe(0);
    const { id: imageId } = await svc.commit(id, {
      repo: `committed-${fx.engineName}`,
      tag: 'v1',
      comment: 'from a test',
      author: 'skiff',
      changes: ['CMD ["cat", "/hello"]', 'WORKDIR /srv/app', 'LABEL stage=one'],
    });
    const image = await fx.images.get(`committed-${fx.engineName}:v1`);
    expect(image.id).toBe(imageId);
    expect(image.layers).toHaveLength(2);
    expect(image.config.config?.Cmd).toEqual(['cat', '/hello']);
    expect(image.config.config?.WorkingDir).toBe('/srv/app');
    expect(image.config.config?.Labels).toEqual({ stage: 'one' });
    expect(image.config.config?.Env).toContain('STAGE=build');
    expect(image.config.history?.at(-1)).toMatchObject({ comment: 'from a test', author: 'skiff' });

    const run = await svc.create({
      image: `committed-${fx.engineName}:v1`,
      networkMode: 'none',
      cmd: ['sh', '-c', 'cat /hello; pwd; test -e /bin/not-executable && echo still-there || echo deleted'],
    });
    const done = svc.wait(run.id, 'next-exit');
    await svc.start(run.id);
    expect((await done).statusCode).toBe(0);
    expect(await text(svc.logs(run.id, { stdout: true, stderr: true, follow: false }))).toBe(
      'committed\n/srv/app\ndeleted\n',
    );
  });

  it('commits a running container, pausing it while its changes are read', async () => {
    const svc = fx.service;
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'echo live > /state; sleep 60'],
      networkMode: 'none',
    });
    await svc.start(id);
    await new Promise((r) => setTimeout(r, 200));
    const { id: imageId } = await svc.commit(id, {});
    expect((await svc.inspect(id)).state.status).toBe('running');
    const run = await svc.create({ image: imageId, networkMode: 'none', cmd: ['cat', '/state'] });
    const done = svc.wait(run.id, 'next-exit');
    await svc.start(run.id);
    await done;
    expect(await text(svc.logs(run.id, { stdout: true, stderr: true, follow: false }))).toBe('live\n');
  });
});
