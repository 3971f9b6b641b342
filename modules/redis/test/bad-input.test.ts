import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ContainerStartError } from '@skiff/core';
import { RedisContainer, RedisInitialDataError } from '@skiff/redis';
import { BUSYBOX, startTestEngine, type TestEngine } from '@skiff/testing/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-redis-bad-'));
});

afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  // Every failed start leaves nothing behind: no container, no network of this session.
  expect(await engine.engine.engineApi.leftovers(engine.runtime.session.id)).toEqual({
    containers: [],
    networks: [],
  });
});

describe('RedisContainer with bad input', () => {
  it('quotes the failing line of the initial data and Redis’s error, and removes the container', async () => {
    const file = path.join(dir, 'seed.redis');
    writeFileSync(file, 'SET counter 1\n\nLPUSH counter oops\nSET never reached\n');
    const error = await new RedisContainer()
      .withInitialData(file)
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisInitialDataError);
    expect(error).toMatchObject({ code: 'SKIFF_REDIS_INITIAL_DATA_FAILED', source: file, line: 3 });
    expect(String(error)).toContain('line 3: LPUSH counter oops');
    expect(String(error)).toMatch(/WRONGTYPE/);
  });

  it('refuses a script with an unbalanced quote before starting anything', async () => {
    await expect(
      new RedisContainer().withInitialData({ script: 'SET a 1\nSET b "open', name: 'inline' }).start(),
    ).rejects.toMatchObject({ code: 'SKIFF_REDIS_SCRIPT_SYNTAX', line: 2 });
    await expect(
      new RedisContainer().withInitialData(path.join(dir, 'missing.redis')).start(),
    ).rejects.toThrow(/missing\.redis cannot be read/);
  });

  it('says which host port is taken when a fixed one is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const error = await new RedisContainer()
        .withExposedPorts({ container: 6379, host: port })
        .start()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContainerStartError);
      expect(String(error)).toContain(String(port));
      expect(String(error)).toMatch(/in use|already allocated|address/i);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('names the readiness check and shows the logs of an image that is not redis', async () => {
    const exited = await new RedisContainer(BUSYBOX)
      .withPassword('pw')
      .start()
      .catch((e: unknown) => e);
    expect(exited).toBeInstanceOf(ContainerStartError);
    const message = String(exited);
    expect(message).toContain(
      'redis readiness check: AUTH, then PING on port 6379 from the host, expecting PONG',
    );
    // Docker and skiffd refuse to start a command that is missing (HTTP 400, exit 127).
    expect(message).toMatch(/redis-server.*not found/);
    expect(message).toMatch(/--- last \d+ log lines ---[\s\S]*redis-server/);

    // Something else answers on 6379: the check keeps failing until the deadline, and says why.
    const other = await new RedisContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo "an http server, not redis"; exec httpd -f -p 6379'])
      .withStartupTimeout(3_000)
      .start()
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(ContainerStartError);
    const text = String(other);
    expect(text).toContain('redis readiness check');
    expect(text).toMatch(/last saw: .*127\.0\.0\.1:\d+: /);
    expect(text).toContain('an http server, not redis');
  });

  it('fails at once when the server wants a password that was not given', async () => {
    const error = await new RedisContainer()
      .withCommand(['redis-server', '--protected-mode', 'no', '--requirepass', 'secret'])
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerStartError);
    expect(String(error)).toMatch(/NOAUTH/);
    expect(String(error)).toContain('redis readiness check: PING on port 6379');
  });
});
