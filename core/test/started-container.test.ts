import { GenericContainer, Network, Wait } from '@skiff/core';
import { BUSYBOX, startTestEngine, type TestEngine } from '@skiff/testing/core';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectContainer } from '../src/engine/containers-api.js';
import { inspectImage, removeImage } from '../src/engine/images-api.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine?.stop();
});

async function untar(stream: AsyncIterable<Buffer> & NodeJS.ReadableStream): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const ex = extract();
  ex.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => {
      files.set(header.name, Buffer.concat(chunks).toString());
      next();
    });
  });
  await new Promise((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    stream.pipe(ex as unknown as NodeJS.WritableStream);
  });
  return files;
}

describe('StartedGenericContainer', () => {
  it('runs exec argv as given and a string through /bin/sh -c, with env, user and working dir', async () => {
    await using c = await new GenericContainer(BUSYBOX).withCommand(['sleep', '300']).start();
    const argv = await c.exec(['echo', 'a  b', '$HOME']);
    expect(argv).toEqual({ output: 'a  b $HOME\n', stdout: 'a  b $HOME\n', stderr: '', exitCode: 0 });
    const shell = await c.exec('echo "$X" && pwd && id -u && echo oops >&2 && exit 3', {
      env: { X: 'spaced value' },
      workingDir: '/tmp',
      user: '65534',
    });
    expect(shell.stdout).toBe('spaced value\n/tmp\n65534\n');
    expect(shell.stderr).toBe('oops\n');
    expect(shell.exitCode).toBe(3);
    const missing = await c.exec(['/no/such/binary']);
    expect(missing.exitCode).toBeGreaterThanOrEqual(126);
  });

  it('streams logs, and copies content to and archives from the container', async () => {
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo started; sleep 300'])
      .withWaitStrategy(Wait.forLogMessage('started'))
      .start();
    const logs = await c.logs();
    const first = await new Promise<string>((resolve) =>
      logs.once('data', (d: Buffer) => resolve(d.toString())),
    );
    logs.destroy();
    expect(first).toBe('started\n');
    await c.copyContentToContainer([{ content: 'copied later\n', target: '/srv/later.txt' }]);
    expect((await c.exec(['cat', '/srv/later.txt'])).stdout).toBe('copied later\n');
    const files = await untar(
      (await c.copyArchiveFromContainer('/srv')) as AsyncIterable<Buffer> & NodeJS.ReadableStream,
    );
    expect(files.get('srv/later.txt')).toBe('copied later\n');
  });

  it('restarts, re-maps ports and waits again from the restart', async () => {
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo boot; httpd -f -p 80 -h /etc'])
      .withExposedPorts(80)
      .withWaitStrategy(Wait.forLogMessage('boot'))
      .start();
    const before = (await inspectContainer(engine.client, c.getId())).State.StartedAt;
    await c.restart();
    const after = await inspectContainer(engine.client, c.getId());
    expect(after.State.StartedAt).not.toBe(before);
    expect(after.State.Running).toBe(true);
    const res = await fetch(`http://${c.getHost()}:${c.getMappedPort(80)}/hostname`);
    expect(res.status).toBe(200);
  });

  it('reports networks, network ids and IP addresses', async () => {
    await using network = await new Network().start();
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sleep', '300'])
      .withNetwork(network)
      .start();
    expect(c.getNetworkNames()).toEqual([network.getName()]);
    expect(c.getNetworkId(network.getName())).toBe(network.getId());
    expect(c.getIpAddress(network.getName())).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(() => c.getIpAddress('nope')).toThrow(/not on network "nope"/);
  });

  it('stops into a StoppedGenericContainer, idempotently, and removes the container', async () => {
    const c = await new GenericContainer(BUSYBOX).withCommand(['sleep', '300']).start();
    const [a, b] = await Promise.all([c.stop(), c.stop()]);
    expect(a).toBe(b);
    expect(a.getId()).toBe(c.getId());
    await expect(inspectContainer(engine.client, c.getId())).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps a stopped container readable when not removed', async () => {
    const c = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo kept > /kept.txt; sleep 300'])
      .withWaitStrategy(Wait.forSuccessfulCommand('test -f /kept.txt'))
      .start();
    const stopped = await c.stop({ remove: false, timeout: 1 });
    const files = await untar(
      (await stopped.copyArchiveFromContainer('/kept.txt')) as AsyncIterable<Buffer> & NodeJS.ReadableStream,
    );
    expect(files.get('kept.txt')).toBe('kept\n');
    await engine.client.call('DELETE', `/containers/${stopped.getId()}`, { query: { force: true } });
  });

  it('commits an image labelled with the session, with changes applied', async () => {
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo committed > /marker; sleep 300'])
      .withWaitStrategy(Wait.forSuccessfulCommand('test -f /marker'))
      .start();
    const imageId = await c.commit({
      repo: 'skiff-core-test/committed',
      tag: 'v1',
      changes: ['ENV COMMITTED=yes'],
    });
    try {
      const image = await inspectImage(engine.client, imageId);
      expect(image?.Config?.Labels?.['dev.skiff.session']).toBe(engine.runtime.session.id);
      await using child = await new GenericContainer('skiff-core-test/committed:v1')
        .withCommand(['sleep', '300'])
        .start();
      expect((await child.exec('cat /marker; echo $COMMITTED')).stdout).toBe('committed\nyes\n');
    } finally {
      await removeImage(engine.client, imageId);
    }
  });
});
