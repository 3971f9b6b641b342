import { fileURLToPath } from 'node:url';
import { GenericContainer, Wait } from '@skiff/core';
import { expect, inject, test } from 'vitest';

const context = fileURLToPath(new URL('../../docker/status', import.meta.url));

test('GenericContainer.fromDockerfile() builds the status image and runs it', async () => {
  const image = await GenericContainer.fromDockerfile(context)
    .withBuildArgs({ GREETING: 'from-a-test' })
    .build();
  const container = await image
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/status.json', 8080))
    .start();
  try {
    const res = await fetch(`http://${container.getHost()}:${container.getMappedPort(8080)}/status.json`);
    expect(await res.json()).toEqual({ service: 'status', greeting: 'from-a-test' });
  } finally {
    await container.stop();
  }
});

test('the plugin built the same Dockerfile for the `status` service', async () => {
  const status = inject('status');
  const res = await fetch(`http://${status.host}:${status.ports['8080']}/status.json`);
  expect(await res.json()).toEqual({ service: 'status', greeting: 'ahoy' });
});
