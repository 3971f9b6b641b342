import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCncfRegistry } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../../src/api/error-status.js';
import { RegistryError, UnauthorizedError } from '../../src/errors.js';
import { makeClient } from '../registry/support/client-harness.js';
import { startTokenServer } from '../registry/support/token-server.js';
import { writeHtpasswd } from './support/skiff-registry.js';

/**
 * `POST /auth`'s check (RegistryClient.login) against the CNCF registry with Basic auth and with
 * bearer tokens from a token server (Docker Hub's flow), and against nothing at all.
 */
describe('login verification against real registries', () => {
  let root: string;
  const stops: (() => Promise<unknown>)[] = [];
  const dir = async (name: string) => {
    const d = path.join(root, name);
    await mkdir(d, { recursive: true });
    return d;
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'skiff-login-'));
  });
  afterAll(async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('accepts the htpasswd user of a Basic-auth registry and refuses a wrong password with 401', async () => {
    const d = await dir('basic');
    const reg = await startCncfRegistry(d, {
      htpasswd: await writeHtpasswd(path.join(d, 'htpasswd'), 'alice', 'pw one'),
    });
    stops.push(reg.stop);
    const { client } = await makeClient(await dir('basic-client'));
    stops.push(() => client.close());
    expect(await client.login({ username: 'alice', password: 'pw one', serveraddress: reg.host })).toEqual({
      identityToken: '',
    });
    const refused = await client
      .login({ username: 'alice', password: 'nope', serveraddress: `http://${reg.host}/v2/` })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnauthorizedError);
    expect(errorStatus(refused)).toBe(401);
    expect((refused as Error).message).toBe(
      `login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized: the registry refused the username and password; check them and try again`,
    );
    await expect(client.login({ serveraddress: reg.host })).rejects.toThrow(/needs a username and password/);
  });

  it('fetches a bearer token with the credentials from a token-auth registry', async () => {
    const d = await dir('token');
    const tokens = await startTokenServer(d, { service: 'skiff-login-test', users: { bob: 'hunter2' } });
    stops.push(tokens.close);
    const reg = await startCncfRegistry(d, { token: tokens });
    stops.push(reg.stop);
    const { client } = await makeClient(await dir('token-client'));
    stops.push(() => client.close());
    await client.login({ username: 'bob', password: 'hunter2', serveraddress: reg.host });
    const refused = await client
      .login({ username: 'bob', password: 'wrong', serveraddress: reg.host })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnauthorizedError);
    expect((refused as Error).message).not.toContain('wrong');
  });

  it('says a registry that does not answer cannot be reached (503)', async () => {
    const { client } = await makeClient(await dir('down-client'), {
      retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
    });
    stops.push(() => client.close());
    const err = await client
      .login({ username: 'a', password: 'b', serveraddress: '127.0.0.1:9' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(errorStatus(err)).toBe(503);
    expect((err as Error).message).toMatch(/cannot reach registry 127\.0\.0\.1:9/);
  });
});
