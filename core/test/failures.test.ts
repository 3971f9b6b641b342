import { ContainerStartError, createRuntime, GenericContainer, Wait } from '@skiff/core';
import { BUSYBOX, startTestEngine, type TestEngine } from '@skiff/testing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectContainer, removeContainer } from '../src/engine/containers-api.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine?.stop();
});

async function failure(container: GenericContainer): Promise<ContainerStartError> {
  const err = await container.start().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ContainerStartError);
  return err as ContainerStartError;
}

describe('failures that explain themselves', () => {
  it('names the strategy, what it saw, the exit code and the last 50 log lines, and removes the container', async () => {
    const err = await failure(
      new GenericContainer(BUSYBOX)
        .withCommand([
          'sh',
          '-c',
          'for i in $(seq 1 80); do echo "line $i"; done; echo fatal: config missing; exit 7',
        ])
        .withWaitStrategy(Wait.forLogMessage('ready to accept')),
    );
    // (All on stdout: engines copy stdout and stderr separately, so nothing orders lines across them.)
    expect(err.code).toBe('SKIFF_CONTAINER_START_FAILED');
    expect(err.cause).toMatchObject({ code: 'SKIFF_CONTAINER_EXITED', exitCode: 7 });
    expect(err.message).toContain('wait strategy: Wait.forLogMessage("ready to accept")');
    expect(err.message).toContain('exit code: 7');
    expect(err.message).toContain('fatal: config missing');
    expect(err.details.logTail).toHaveLength(50);
    expect(err.details.logTail.at(-1)).toBe('fatal: config missing');
    expect(err.details.logTail[0]).toBe('line 32');
    expect(err.details.kept).toBe(false);
    await expect(inspectContainer(engine.client, err.details.containerId ?? '')).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('reports an OOM kill', async () => {
    const err = await failure(
      new GenericContainer(BUSYBOX)
        // Grows a shell variable until the 16 MiB limit kills the container.
        .withCommand(['sh', '-c', 'echo filling; x=aaaaaaaaaaaaaaaa; while true; do x="$x$x"; done'])
        .withResourcesQuota({ memory: 16 / 1024 })
        .withWaitStrategy(Wait.forLogMessage('never')),
    );
    expect(err.details.oomKilled).toBe(true);
    expect(err.message).toContain('OOM killed: yes');
  });

  it('says what a timed-out strategy saw last', async () => {
    const err = await failure(
      new GenericContainer(BUSYBOX)
        .withCommand(['sleep', '300'])
        .withExposedPorts(8080)
        .withStartupTimeout(1_000),
    );
    expect(err.cause).toMatchObject({ code: 'SKIFF_WAIT_TIMEOUT' });
    expect(err.message).toContain('Wait.forListeningPorts()');
    expect(err.message).toMatch(/last saw: not accepting: 127\.0\.0\.1:\d+ \(container 8080\/tcp\)/);
  });

  it('keeps the failed container with keepOnFailure and says how to reach it', async () => {
    const runtime = await createRuntime({ ...engine.options, keepOnFailure: true, handleSignals: false });
    try {
      const err = await failure(
        new GenericContainer(BUSYBOX)
          .withRuntime(runtime)
          .withCommand(['sh', '-c', 'echo broken; sleep 300'])
          .withWaitStrategy(Wait.forLogMessage('never').withStartupTimeout(500)),
      );
      const id = err.details.containerId ?? '';
      expect(err.details.kept).toBe(true);
      expect(err.message).toContain(`logs ${id.slice(0, 12)}`);
      expect(err.message).toContain(`rm -f ${id.slice(0, 12)}`);
      expect((await inspectContainer(engine.client, id)).State.Running).toBe(true);
      await removeContainer(engine.client, id);
    } finally {
      await runtime.close();
    }
  });

  it('fails with SKIFF_IMAGE_NOT_FOUND for an image nobody has', async () => {
    const err = await failure(new GenericContainer('127.0.0.1:1/skiff/does-not-exist:0'));
    expect(err.cause).toMatchObject({ code: expect.stringMatching(/SKIFF_IMAGE_(NOT_FOUND|PULL_FAILED)/) });
    expect(err.message).toContain('does-not-exist');
  });
});
