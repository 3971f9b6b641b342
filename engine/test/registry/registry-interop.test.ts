import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCncfRegistry } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/errors.js';
import { makeClient } from './support/client-harness.js';
import { startProxy } from './support/registry-proxy.js';
import { buildImage, makeTar, seedImage, type TestImage } from './support/test-image.js';
import { startTokenServer } from './support/token-server.js';

// `htpasswd -nbB alice 's3cret pass'`
const HTPASSWD = 'alice:$2y$05$v5LYBysAfM/3ypbBXq5eleMgiOqez1AAlOGDNiTqfJYEx6dbeQkLi\n';
const basic = (u: string, p: string) => ({
  Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
});

let root: string;
let image: TestImage;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skiff-interop-'));
  image = buildImage([
    { tar: await makeTar({ 'bin/tool': randomBytes(100_000) }), compression: 'gzip' },
    { tar: await makeTar({ 'etc/conf': 'x=1\n' }), compression: 'zstd' },
  ]);
});

afterAll(async () => {
  for (const s of stops.splice(0).reverse()) await s();
  await rm(root, { recursive: true, force: true });
});

async function sub(name: string) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function harness(name: string, extra = {}) {
  const h = await makeClient(await sub(name), extra);
  stops.push(() => h.client.close());
  return h;
}

describe('interop with the CNCF registry (docker-registry)', () => {
  it('pulls from it, pushes back to it and pulls the push with identical digests', async () => {
    const reg = await startCncfRegistry(await sub('cncf'));
    stops.push(reg.stop);
    await seedImage(reg.url, 'lib/app', '1', image);
    const a = await harness('cncf-a');
    const pulled = await a.client.pull(`${reg.host}/lib/app:1`);
    expect(pulled.id).toBe(image.configDigest);
    await a.images.tag(pulled.id, `${reg.host}/copy/app:2`);
    const pushMessages: string[] = [];
    const pushed = await a.client.push(`${reg.host}/copy/app:2`, {
      progress: (m) => m.status && pushMessages.push(`${m.status}${m.id ? ` ${m.id}` : ''}`),
    });
    expect(pushed.digest).toBe(image.manifestDigest);
    expect(pushMessages[0]).toBe(`The push refers to repository [${reg.host}/copy/app]`);
    // Both layers came from lib/app on the same registry: mounted, not uploaded.
    expect(pushMessages.filter((m) => m.startsWith('Mounted from lib/app'))).toHaveLength(2);
    expect(pushMessages).toContain(`2: digest: ${image.manifestDigest} size: ${image.manifest.length}`);
    const b = await harness('cncf-b');
    const again = await b.client.pull(`${reg.host}/copy/app:2`);
    expect(again.id).toBe(image.configDigest);
    expect(again.repoDigests).toEqual([`${reg.host}/copy/app@${image.manifestDigest}`]);
    expect(again.layers.map((l) => l.blob?.digest)).toEqual(image.layers.map((l) => l.digest));
  });

  it('pushes with chunked and streamed uploads', async () => {
    const reg = await startCncfRegistry(await sub('cncf-chunk'));
    stops.push(reg.stop);
    await seedImage(reg.url, 'src', '1', image);
    const a = await harness('cncf-chunk-a');
    const pulled = await a.client.pull(`${reg.host}/src:1`);
    for (const [mode, repo] of [
      ['chunked', 'chunked'],
      ['streamed', 'streamed'],
    ] as const) {
      // A different registry host name for the same server defeats the mount, forcing uploads.
      const target = `localhost:${reg.host.split(':')[1]}/${repo}:1`;
      await a.images.tag(pulled.id, target);
      const pushed = await a.client.push(target, { uploadMode: mode, chunkSize: 32 * 1024 });
      expect(pushed.digest).toBe(image.manifestDigest);
      const res = await fetch(`${reg.url}/v2/${repo}/blobs/${image.layers[0]!.digest}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(image.layers[0]!.blob)).toBe(true);
    }
  });

  it('pulls and pushes with htpasswd basic auth from the docker config, and says when credentials failed', async () => {
    const dir = await sub('cncf-auth');
    await writeFile(path.join(dir, 'htpasswd'), HTPASSWD);
    const reg = await startCncfRegistry(dir, { htpasswd: path.join(dir, 'htpasswd') });
    stops.push(reg.stop);
    await seedImage(reg.url, 'private', '1', image, basic('alice', 's3cret pass'));
    const anon = await harness('cncf-auth-anon');
    const err = (await anon.client.pull(`${reg.host}/private:1`).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('anonymous request');
    expect(err.message).toContain(reg.host);
    const configPath = path.join(dir, 'docker-config.json');
    await writeFile(
      configPath,
      JSON.stringify({
        auths: { [reg.host]: { auth: Buffer.from('alice:s3cret pass').toString('base64') } },
      }),
    );
    const authed = await harness('cncf-auth-ok', { dockerConfigPath: configPath });
    const pulled = await authed.client.pull(`${reg.host}/private:1`);
    expect(pulled.id).toBe(image.configDigest);
    await authed.images.tag(pulled.id, `${reg.host}/private2:1`);
    expect((await authed.client.push(`${reg.host}/private2:1`)).digest).toBe(image.manifestDigest);
    const wrong = await harness('cncf-auth-wrong');
    const denied = (await wrong.client
      .pull(`${reg.host}/private:1`, { auth: { username: 'alice', password: 'nope' } })
      .catch((e: unknown) => e)) as RegistryError;
    expect(denied.status).toBe(401);
    expect(denied.message).toContain('with the credentials configured');
    expect(denied.message).not.toContain('nope');
  });

  it('pulls through a credential helper named in credHelpers', async () => {
    const dir = await sub('cncf-helper');
    await writeFile(path.join(dir, 'htpasswd'), HTPASSWD);
    const reg = await startCncfRegistry(dir, { htpasswd: path.join(dir, 'htpasswd') });
    stops.push(reg.stop);
    await seedImage(reg.url, 'helped', '1', image, basic('alice', 's3cret pass'));
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    const helper = path.join(bin, 'docker-credential-skifftest');
    await writeFile(
      helper,
      `#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "${reg.host}" ] && echo '{"ServerURL":"${reg.host}","Username":"alice","Secret":"s3cret pass"}' && exit 0\necho "credentials not found in native keychain"; exit 1\n`,
    );
    await chmod(helper, 0o755);
    const configPath = path.join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify({ credHelpers: { [reg.host]: 'skifftest' } }));
    const h = await harness('cncf-helper-client', {
      dockerConfigPath: configPath,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    expect((await h.client.pull(`${reg.host}/helped:1`)).id).toBe(image.configDigest);
    expect(await h.client.hasCredentials(reg.host)).toBe(true);
    expect(await h.client.hasCredentials('other.example:5000')).toBe(false);
  });

  it('follows the bearer token flow: anonymous pull tokens, credentialed push tokens, cached per scope', async () => {
    const dir = await sub('cncf-token');
    const tokens = await startTokenServer(dir, { service: 'skiff-test-registry', users: { bob: 'hunter2' } });
    stops.push(tokens.close);
    const reg = await startCncfRegistry(dir, { token: tokens });
    stops.push(reg.stop);
    const probe = await fetch(`${reg.url}/v2/`);
    expect(probe.status).toBe(401);
    expect(probe.headers.get('www-authenticate')).toContain('Bearer realm=');
    const pushToken = await fetch(
      `${tokens.realm}?service=${tokens.service}&scope=repository:base:pull,push`,
      {
        headers: basic('bob', 'hunter2'),
      },
    ).then((r) => r.json() as Promise<{ token: string }>);
    await seedImage(reg.url, 'base', '1', image, { Authorization: `Bearer ${pushToken.token}` });
    tokens.requests.length = 0;

    const anon = await harness('token-anon');
    expect((await anon.client.pull(`${reg.host}/base:1`)).id).toBe(image.configDigest);
    expect(tokens.requests).toEqual([{ scopes: ['repository:base:pull'] }]);
    // Anonymous tokens cannot push.
    await anon.images.tag(image.configDigest, `${reg.host}/mine:1`);
    const refused = (await anon.client.push(`${reg.host}/mine:1`).catch((e: unknown) => e)) as RegistryError;
    expect(refused).toBeInstanceOf(RegistryError);
    expect([401, 403]).toContain(refused.status);
    expect(refused.message).toContain('anonymous');

    const bob = await harness('token-bob');
    await bob.client.pull(`${reg.host}/base:1`, { auth: { username: 'bob', password: 'hunter2' } });
    await bob.images.tag(image.configDigest, `${reg.host}/mine:1`);
    const pushed = await bob.client.push(`${reg.host}/mine:1`, {
      auth: { username: 'bob', password: 'hunter2' },
    });
    expect(pushed.digest).toBe(image.manifestDigest);
    expect(tokens.requests.at(-1)).toEqual({
      scopes: ['repository:mine:pull,push', 'repository:base:pull'],
      user: 'bob',
    });
    const before = tokens.requests.length;
    await bob.client.push(`${reg.host}/mine:1`, { auth: { username: 'bob', password: 'hunter2' } });
    expect(tokens.requests.length).toBe(before);
  });
});

describe('mirrors', () => {
  it('pulls docker.io images from the first mirror that has them, falling back in order', async () => {
    const dead = await startProxy('127.0.0.1:9', (_req, res) => {
      res.writeHead(503, { 'Content-Length': 0 }).end();
      return true;
    });
    stops.push(dead.close);
    const reg = await startCncfRegistry(await sub('mirror'));
    stops.push(reg.stop);
    await seedImage(reg.url, 'library/busybox', '1.35', image);
    const h = await harness('mirror-client', {
      registryMirrors: [`http://${dead.host}`, `http://${reg.host}`],
      retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
    });
    const record = await h.client.pull('busybox:1.35');
    expect(record.repoTags).toEqual(['docker.io/library/busybox:1.35']);
    expect(record.repoDigests).toEqual([`docker.io/library/busybox@${image.manifestDigest}`]);
    expect(dead.requests.map((r) => r.url)).toEqual(['/v2/library/busybox/manifests/1.35']);
  });
});
