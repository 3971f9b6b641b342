import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RedisCliError, RedisContainer } from '@skiff/redis';
import { startTestEngine, type TestEngine } from '@skiff/testing/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-redis-e2e-'));
});

afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `fn` on a fresh ioredis client; a failure reports the server's error (AUTH errors arrive as events). */
async function withClient<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const events: Error[] = [];
  client.on('error', (e: Error) => events.push(e));
  try {
    await client.connect();
    return await fn(client);
  } catch (err) {
    throw events[0] ?? err;
  } finally {
    client.disconnect();
  }
}

describe('RedisContainer', () => {
  it('starts the official image name without a password, ready for a real client', async () => {
    await using redis = await new RedisContainer().start();
    expect(redis.getPassword()).toBeUndefined();
    expect(redis.getPort()).toBe(redis.getMappedPort(6379));
    expect(redis.getConnectionUrl()).toBe(`redis://${redis.getHost()}:${redis.getPort()}`);
    await withClient(redis.getConnectionUrl(), async (client) => {
      await client.set('greeting', 'hello');
      expect(await client.get('greeting')).toBe('hello');
      // Nothing is saved without persistence.
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
    });
    // Started directly as the image's redis user (not root, not through the entrypoint).
    expect((await redis.exec(['id', '-un'])).stdout.trim()).toBe('redis');
  });

  it('requires the password, and rejects a wrong one in the URL', async () => {
    const password = 'se:cr@t/#';
    await using redis = await new RedisContainer().withPassword(password).start();
    expect(redis.getPassword()).toBe(password);
    expect(redis.getConnectionUrl()).toBe(
      `redis://:${encodeURIComponent(password)}@${redis.getHost()}:${redis.getPort()}`,
    );
    expect(await withClient(redis.getConnectionUrl(), (c) => c.ping())).toBe('PONG');
    const wrong = `redis://:wrong@${redis.getHost()}:${redis.getPort()}`;
    await expect(withClient(wrong, (c) => c.ping())).rejects.toThrow(/WRONGPASS/);
    const none = `redis://${redis.getHost()}:${redis.getPort()}`;
    await expect(withClient(none, (c) => c.get('x'))).rejects.toThrow(/NOAUTH/);
  });

  it('loads initial data from a file and from a script, quotes and escapes included', async () => {
    const file = path.join(dir, 'seed.redis');
    writeFileSync(
      file,
      '# users\nHSET user:1 name "Ada Lovelace" born 1815\nSET motto \'it\\\'s "quoted"\'\n\nRPUSH list a b c\n',
    );
    await using redis = await new RedisContainer()
      .withPassword('pw')
      .withInitialData(file)
      .withInitialData({ script: 'SET escaped "tab\\there\\x41"\nINCRBY counter 41\nINCR counter' })
      .start();
    await withClient(redis.getConnectionUrl(), async (client) => {
      expect(await client.hgetall('user:1')).toEqual({ name: 'Ada Lovelace', born: '1815' });
      expect(await client.get('motto')).toBe('it\'s "quoted"');
      expect(await client.lrange('list', 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await client.get('escaped')).toBe('tab\thereA');
      expect(await client.get('counter')).toBe('42');
    });
  });

  it('keeps data across containers with persistence on a host directory', async () => {
    const data = mkdtempSync(path.join(dir, 'data-'));
    {
      await using first = await new RedisContainer().withPersistence(data).start();
      await withClient(first.getConnectionUrl(), (c) => c.set('survives', 'yes'));
    }
    await using second = await new RedisContainer().withPersistence(data).start();
    expect(await withClient(second.getConnectionUrl(), (c) => c.get('survives'))).toBe('yes');
  });

  it('runs redis-cli in the container with the password, and reports errors', async () => {
    await using redis = await new RedisContainer().withPassword('pw').start();
    expect(await redis.executeCliCmd('set', ['k', 'v'])).toBe('OK\n');
    expect(await redis.executeCliCmd('get', ['k'])).toBe('v\n');
    const error = await redis.executeCliCmd('incr', ['k']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisCliError);
    expect(String(error)).toMatch(/not an integer/);
  });
});
