import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuildError, GenericContainer, Wait } from '@skiff/core';
import { BUSYBOX, startTestEngine, type TestEngine, uniqueName } from '@skiff/testing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage, removeImage } from '../src/engine/images-api.js';

let engine: TestEngine;
let context: string;
const images: string[] = [];

beforeAll(async () => {
  engine = await startTestEngine();
  context = mkdtempSync(path.join(os.tmpdir(), 'skiff-core-build-'));
  writeFileSync(
    path.join(context, 'Dockerfile'),
    [
      `FROM ${BUSYBOX} AS base`,
      'ARG GREETING=default',
      'RUN echo "$GREETING" > /greeting',
      'COPY . /ctx/',
      'FROM base AS final',
      'RUN echo final > /stage',
      'CMD ["sleep", "300"]',
    ].join('\n'),
  );
  writeFileSync(path.join(context, '.dockerignore'), 'secrets\n*.log\n!keep.log\nnode_modules\n');
  writeFileSync(path.join(context, 'app.txt'), 'app\n');
  writeFileSync(path.join(context, 'debug.log'), 'ignored\n');
  writeFileSync(path.join(context, 'keep.log'), 'kept by exception\n');
  mkdirSync(path.join(context, 'secrets'));
  writeFileSync(path.join(context, 'secrets/key'), 'do not send\n');
  mkdirSync(path.join(context, 'node_modules/pkg'), { recursive: true });
  writeFileSync(path.join(context, 'node_modules/pkg/index.js'), '\n');
});

afterAll(async () => {
  for (const image of images) await removeImage(engine.client, image).catch(() => undefined);
  await engine?.stop();
  rmSync(context, { recursive: true, force: true });
});

describe('GenericContainer.fromDockerfile', () => {
  it('builds with build args and a target, applies .dockerignore, and labels the image with the session', async () => {
    const image = `localhost/${uniqueName('built')}:1`;
    images.push(image);
    const container = await GenericContainer.fromDockerfile(context)
      .withBuildArgs({ GREETING: 'hello from args' })
      .withTarget('base')
      .build(image);
    await using c = await container.withCommand(['sleep', '300']).start();
    const out = await c.exec(
      'cat /greeting; ls -A /ctx | sort | tr "\\n" " "; test -f /stage && echo final-stage-built || echo base-only',
    );
    expect(out.stdout).toBe('hello from args\n.dockerignore Dockerfile app.txt keep.log base-only\n');
    const inspect = await inspectImage(engine.client, image);
    expect(inspect?.Config?.Labels?.['dev.skiff.session']).toBe(engine.runtime.session.id);
  });

  it('builds the last stage by default, uses the cache, and rebuilds without it when asked', async () => {
    const a = `localhost/${uniqueName('cached')}:1`;
    const b = `localhost/${uniqueName('cached')}:2`;
    const c = `localhost/${uniqueName('cached')}:3`;
    images.push(a, b, c);
    const first = GenericContainer.fromDockerfile(context);
    await first.build(a, { deleteOnExit: false });
    const cached = GenericContainer.fromDockerfile(context);
    await cached.build(b, { deleteOnExit: false });
    expect(cached.buildOutput().join('\n')).toMatch(/cache/i);
    const fresh = GenericContainer.fromDockerfile(context).withCache(false);
    await fresh.build(c, { deleteOnExit: false });
    expect(fresh.buildOutput().join('\n')).not.toMatch(/Using cache/i);
    const built = await inspectImage(engine.client, a);
    expect(built?.Config?.Labels?.['dev.skiff.session']).toBeUndefined();
    await using started = await new GenericContainer(a)
      .withWaitStrategy(Wait.forSuccessfulCommand('test -f /stage'))
      .start();
    expect((await started.exec(['cat', '/stage'])).stdout).toBe('final\n');
  });

  it('fails with SKIFF_BUILD_FAILED and the builder output when a step fails', async () => {
    const broken = mkdtempSync(path.join(os.tmpdir(), 'skiff-core-broken-'));
    try {
      writeFileSync(path.join(broken, 'Dockerfile'), `FROM ${BUSYBOX}\nRUN echo about to fail && exit 42\n`);
      const err = await GenericContainer.fromDockerfile(broken)
        .build(`localhost/${uniqueName('broken')}:1`)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BuildError);
      expect((err as BuildError).code).toBe('SKIFF_BUILD_FAILED');
      expect((err as BuildError).message).toMatch(/42/);
      expect((err as BuildError).output.join('\n')).toContain('about to fail');
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('reads a Dockerfile with another name and rejects a missing context', async () => {
    writeFileSync(path.join(context, 'Other.dockerfile'), `FROM ${BUSYBOX}\nRUN echo other > /other\n`);
    const image = `localhost/${uniqueName('other')}:1`;
    images.push(image);
    await using c = await (await GenericContainer.fromDockerfile(context, 'Other.dockerfile').build(image))
      .withCommand(['sleep', '300'])
      .start();
    expect((await c.exec(['cat', '/other'])).stdout).toBe('other\n');
    await expect(GenericContainer.fromDockerfile('/nonexistent/ctx').build()).rejects.toMatchObject({
      code: 'SKIFF_INVALID_ARGUMENT',
    });
  });
});
