import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaType } from '../../constants.js';
import { sha256 } from '../../content/digest.js';
import { silentLogger } from '../../logger.js';
import { type RunningRegistryServer, startRegistryServer } from './start-registry-server.js';

let root: string;
let server: RunningRegistryServer;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skiff-regsrv-'));
  server = await startRegistryServer({
    addr: '127.0.0.1:0',
    root: path.join(root, 'data'),
    logger: silentLogger(),
  });
});

afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const u = (p: string) => `${server.url}${p}`;

async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}

async function pushBlob(name: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const res = await fetch(u(`/v2/${name}/blobs/uploads/?digest=${digest}`), { method: 'POST', body: data });
  expect(res.status).toBe(201);
  return digest;
}

function manifestFor(config: Buffer, layers: Buffer[], extra: Record<string, unknown> = {}) {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaType.OciLayerGzip, digest: sha256(l), size: l.length })),
      ...extra,
    }),
  );
}

/** Sends exact bytes and returns the raw response head and body. */
function raw(request: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), '127.0.0.1', () => sock.end(request));
    let out = '';
    sock.on('data', (c) => {
      out += c.toString('latin1');
    });
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

describe('registry server: base and errors', () => {
  it('answers /v2/ with the distribution API version header', async () => {
    const res = await fetch(u('/v2/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('refuses path traversal and invalid repository names with NAME_INVALID before touching disk', async () => {
    for (const p of [
      '/v2/../../etc/manifests/latest',
      '/v2/a/%2e%2e/b/manifests/latest',
      '/v2/UPPER/tags/list',
    ]) {
      const text = await raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(text).toMatch(/^HTTP\/1\.1 400/);
      expect(text).toContain('"code":"NAME_INVALID"');
    }
    expect(await readdir(path.join(root, 'data', 'repositories'))).toEqual([]);
  });

  it('answers malformed digests with DIGEST_INVALID', async () => {
    const res = await fetch(u('/v2/a/blobs/sha256:xyz'));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('DIGEST_INVALID');
    const put = await fetch(u('/v2/a/blobs/uploads/?digest=md5:abc'), { method: 'POST', body: 'x' });
    expect(await errorCode(put)).toBe('DIGEST_INVALID');
  });

  it('answers uploads to unknown sessions with BLOB_UPLOAD_UNKNOWN', async () => {
    const res = await fetch(u('/v2/a/blobs/uploads/6f1c8a0e-2a43-4e49-9a6c-2b2d9c0f1e11'), {
      method: 'PATCH',
      body: 'x',
    });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('BLOB_UPLOAD_UNKNOWN');
    const bogus = await fetch(u('/v2/a/blobs/uploads/..%2f..%2fetc'), { method: 'GET' });
    expect(await errorCode(bogus)).toBe('BLOB_UPLOAD_UNKNOWN');
  });
});

describe('registry server: blobs and uploads', () => {
  it('stores a monolithic upload and serves it with HEAD, GET and ranges', async () => {
    const data = randomBytes(10_000);
    const digest = await pushBlob('team/app', data);
    const head = await fetch(u(`/v2/team/app/blobs/${digest}`), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10000');
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const get = await fetch(u(`/v2/team/app/blobs/${digest}`));
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
    const part = await fetch(u(`/v2/team/app/blobs/${digest}`), { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);
    const tail = await fetch(u(`/v2/team/app/blobs/${digest}`), { headers: { Range: 'bytes=9990-' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(9990))).toBe(true);
    const bad = await fetch(u(`/v2/team/app/blobs/${digest}`), { headers: { Range: 'bytes=20000-' } });
    expect(bad.status).toBe(416);
    // Linked to team/app only.
    expect((await fetch(u(`/v2/other/blobs/${digest}`), { method: 'HEAD' })).status).toBe(404);
  });

  it('rejects a monolithic upload whose content does not match, storing nothing', async () => {
    const res = await fetch(u(`/v2/a/blobs/uploads/?digest=${sha256('other')}`), {
      method: 'POST',
      body: 'data',
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('DIGEST_INVALID');
    expect(await readdir(path.join(root, 'data', 'blobs', 'sha256'))).toEqual([]);
    expect(await readdir(path.join(root, 'data', 'ingest'))).toEqual([]);
  });

  it('assembles chunked PATCH uploads, refuses out-of-order chunks with 416 and reports status', async () => {
    const data = randomBytes(3000);
    const post = await fetch(u('/v2/a/blobs/uploads/'), { method: 'POST' });
    expect(post.status).toBe(202);
    expect(post.headers.get('range')).toBe('0-0');
    let loc = u(post.headers.get('location')!);
    const p1 = await fetch(loc, {
      method: 'PATCH',
      body: data.subarray(0, 1000),
      headers: { 'Content-Range': '0-999', 'Content-Type': 'application/octet-stream' },
    });
    expect(p1.status).toBe(202);
    expect(p1.headers.get('range')).toBe('0-999');
    loc = u(p1.headers.get('location')!);
    const skip = await fetch(loc, {
      method: 'PATCH',
      body: data.subarray(2000),
      headers: { 'Content-Range': '2000-2999' },
    });
    expect(skip.status).toBe(416);
    expect(skip.headers.get('range')).toBe('0-999');
    const p2 = await fetch(loc, {
      method: 'PATCH',
      body: data.subarray(1000, 2000),
      headers: { 'Content-Range': '1000-1999' },
    });
    expect(p2.status).toBe(202);
    const status = await fetch(loc);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-1999');
    const digest = sha256(data);
    const put = await fetch(`${loc}?digest=${digest}`, {
      method: 'PUT',
      body: data.subarray(2000),
      headers: { 'Content-Range': '2000-2999' },
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('location')).toBe(`/v2/a/blobs/${digest}`);
    const get = await fetch(u(`/v2/a/blobs/${digest}`));
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
  });

  it('accepts a streamed PATCH without Content-Range, as Docker sends a layer', async () => {
    const parts = [randomBytes(70_000), randomBytes(50_000)];
    const post = await fetch(u('/v2/a/blobs/uploads/'), { method: 'POST' });
    const loc = u(post.headers.get('location')!);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(p);
        c.close();
      },
    });
    const patch = await fetch(loc, { method: 'PATCH', body, duplex: 'half' } as RequestInit);
    expect(patch.status).toBe(202);
    expect(patch.headers.get('range')).toBe('0-119999');
    const digest = sha256(Buffer.concat(parts));
    expect(
      (await fetch(`${u(patch.headers.get('location')!)}?digest=${digest}`, { method: 'PUT' })).status,
    ).toBe(201);
  });

  it('commits nothing when the digest given at PUT is wrong, and ends the session', async () => {
    const post = await fetch(u('/v2/a/blobs/uploads/'), { method: 'POST' });
    const loc = u(post.headers.get('location')!);
    const wrong = sha256('something else');
    const put = await fetch(`${loc}?digest=${wrong}`, { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('DIGEST_INVALID');
    expect((await fetch(u(`/v2/a/blobs/${sha256('hello')}`), { method: 'HEAD' })).status).toBe(404);
    expect(await errorCode(await fetch(loc))).toBe('BLOB_UPLOAD_UNKNOWN');
    expect(await readdir(path.join(root, 'data', 'blobs', 'sha256'))).toEqual([]);
  });

  it('cancels a session whose chunk is larger than its Content-Range declares', async () => {
    const post = await fetch(u('/v2/a/blobs/uploads/'), { method: 'POST' });
    const loc = u(post.headers.get('location')!);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(randomBytes(20));
        c.close();
      },
    });
    const res = await fetch(loc, {
      method: 'PATCH',
      body,
      duplex: 'half',
      headers: { 'Content-Range': '0-9' },
    } as RequestInit);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('SIZE_INVALID');
    expect(await errorCode(await fetch(loc))).toBe('BLOB_UPLOAD_UNKNOWN');
    expect(await readdir(path.join(root, 'data', 'ingest'))).toEqual([]);
  });

  it('cancels a session with DELETE', async () => {
    const post = await fetch(u('/v2/a/blobs/uploads/'), { method: 'POST' });
    const loc = u(post.headers.get('location')!);
    await fetch(loc, { method: 'PATCH', body: 'abc' });
    expect((await fetch(loc, { method: 'DELETE' })).status).toBe(204);
    expect(await errorCode(await fetch(loc))).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('resumes an upload session after the server restarts', async () => {
    const data = randomBytes(5000);
    const post = await fetch(u('/v2/a/blobs/uploads/'), { method: 'POST' });
    const locPath = post.headers.get('location')!;
    await fetch(u(locPath), {
      method: 'PATCH',
      body: data.subarray(0, 2000),
      headers: { 'Content-Range': '0-1999' },
    });
    await server.close();
    server = await startRegistryServer({
      addr: '127.0.0.1:0',
      root: path.join(root, 'data'),
      logger: silentLogger(),
    });
    const status = await fetch(u(locPath));
    expect(status.headers.get('range')).toBe('0-1999');
    const put = await fetch(`${u(locPath)}?digest=${sha256(data)}`, {
      method: 'PUT',
      body: data.subarray(2000),
      headers: { 'Content-Range': '2000-4999' },
    });
    expect(put.status).toBe(201);
  });

  it('mounts a blob from another repository, and falls back to a session when it cannot', async () => {
    const digest = await pushBlob('src/repo', randomBytes(100));
    const mount = await fetch(u(`/v2/dst/repo/blobs/uploads/?mount=${digest}&from=src/repo`), {
      method: 'POST',
    });
    expect(mount.status).toBe(201);
    expect(mount.headers.get('docker-content-digest')).toBe(digest);
    expect((await fetch(u(`/v2/dst/repo/blobs/${digest}`), { method: 'HEAD' })).status).toBe(200);
    const missing = await fetch(u(`/v2/dst/repo/blobs/uploads/?mount=${sha256('nope')}&from=src/repo`), {
      method: 'POST',
    });
    expect(missing.status).toBe(202);
    expect(missing.headers.get('docker-upload-uuid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('deletes a blob from a repository', async () => {
    const digest = await pushBlob('a', Buffer.from('x'));
    expect((await fetch(u(`/v2/a/blobs/${digest}`), { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(u(`/v2/a/blobs/${digest}`), { method: 'HEAD' })).status).toBe(404);
  });
});

describe('registry server: manifests, tags and catalog', () => {
  it('stores manifests byte for byte and serves them by tag and digest with their media type', async () => {
    const config = Buffer.from(
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
    );
    const layer = randomBytes(64);
    await pushBlob('lib/x', config);
    await pushBlob('lib/x', layer);
    // Odd spacing on purpose: the stored bytes must be the bytes sent.
    const manifest = Buffer.from(manifestFor(config, [layer]).toString().replace('{', '{   '));
    const put = await fetch(u('/v2/lib/x/manifests/v1'), {
      method: 'PUT',
      body: manifest,
      headers: { 'Content-Type': MediaType.OciManifest },
    });
    expect(put.status).toBe(201);
    const digest = sha256(manifest);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
    for (const ref of ['v1', digest]) {
      const get = await fetch(u(`/v2/lib/x/manifests/${ref}`));
      expect(get.headers.get('content-type')).toBe(MediaType.OciManifest);
      expect(get.headers.get('docker-content-digest')).toBe(digest);
      expect(Buffer.from(await get.arrayBuffer()).equals(manifest)).toBe(true);
      const head = await fetch(u(`/v2/lib/x/manifests/${ref}`), { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe(String(manifest.length));
    }
    expect(await errorCode(await fetch(u('/v2/lib/x/manifests/v2')))).toBe('MANIFEST_UNKNOWN');
  });

  it('accepts manifests larger than 4 MiB', async () => {
    const config = Buffer.from('{}');
    await pushBlob('big', config);
    const manifest = manifestFor(config, [], { annotations: { filler: 'x'.repeat(5 << 20) } });
    const put = await fetch(u('/v2/big/manifests/latest'), { method: 'PUT', body: manifest });
    expect(put.status).toBe(201);
  });

  it('refuses manifests that reference unknown blobs, malformed ones, and wrong digests', async () => {
    const config = Buffer.from('{}');
    const unknown = await fetch(u('/v2/a/manifests/t'), { method: 'PUT', body: manifestFor(config, []) });
    expect(await errorCode(unknown)).toBe('MANIFEST_BLOB_UNKNOWN');
    const bad = await fetch(u('/v2/a/manifests/t'), {
      method: 'PUT',
      body: '{"schemaVersion":2,"layers":"no"}',
    });
    expect(await errorCode(bad)).toBe('MANIFEST_INVALID');
    await pushBlob('a', config);
    const wrong = await fetch(u(`/v2/a/manifests/${sha256('x')}`), {
      method: 'PUT',
      body: manifestFor(config, []),
    });
    expect(await errorCode(wrong)).toBe('DIGEST_INVALID');
    expect(await errorCode(await fetch(u('/v2/a/tags/list')))).toBe(undefined);
  });

  it('pages tags/list and _catalog with n, last and a Link header', async () => {
    const config = Buffer.from('{}');
    for (const repo of ['r/one', 'r/two', 'three']) {
      await pushBlob(repo, config);
      for (const tag of ['c', 'a', 'b']) {
        await fetch(u(`/v2/${repo}/manifests/${tag}`), { method: 'PUT', body: manifestFor(config, []) });
      }
    }
    const all = await fetch(u('/v2/r/one/tags/list'));
    expect(await all.json()).toEqual({ name: 'r/one', tags: ['a', 'b', 'c'] });
    const first = await fetch(u('/v2/r/one/tags/list?n=2'));
    expect(await first.json()).toEqual({ name: 'r/one', tags: ['a', 'b'] });
    expect(first.headers.get('link')).toBe('</v2/r/one/tags/list?n=2&last=b>; rel="next"');
    const second = await fetch(u('/v2/r/one/tags/list?n=2&last=b'));
    expect(await second.json()).toEqual({ name: 'r/one', tags: ['c'] });
    expect(second.headers.get('link')).toBeNull();
    expect(await (await fetch(u('/v2/_catalog'))).json()).toEqual({
      repositories: ['r/one', 'r/two', 'three'],
    });
    const cat = await fetch(u('/v2/_catalog?n=1&last=r/one'));
    expect(await cat.json()).toEqual({ repositories: ['r/two'] });
    expect(cat.headers.get('link')).toBe('</v2/_catalog?n=1&last=r%2Ftwo>; rel="next"');
    expect(await errorCode(await fetch(u('/v2/nope/tags/list')))).toBe('NAME_UNKNOWN');
  });

  it('deletes manifests by digest (with their tags) and tags by name', async () => {
    const config = Buffer.from('{}');
    await pushBlob('a', config);
    const m = manifestFor(config, []);
    await fetch(u('/v2/a/manifests/one'), { method: 'PUT', body: m });
    await fetch(u('/v2/a/manifests/two'), { method: 'PUT', body: m });
    expect((await fetch(u('/v2/a/manifests/one'), { method: 'DELETE' })).status).toBe(202);
    expect(await (await fetch(u('/v2/a/tags/list'))).json()).toEqual({ name: 'a', tags: ['two'] });
    expect((await fetch(u(`/v2/a/manifests/${sha256(m)}`), { method: 'DELETE' })).status).toBe(202);
    expect(await (await fetch(u('/v2/a/tags/list'))).json()).toEqual({ name: 'a', tags: [] });
    expect(await errorCode(await fetch(u(`/v2/a/manifests/${sha256(m)}`)))).toBe('MANIFEST_UNKNOWN');
  });
});

describe('registry server: htpasswd basic auth', () => {
  // Made with `htpasswd -nbB alice 's3cret pass'` (apache2-utils), as the CNCF registry expects.
  const entry = 'alice:$2y$05$v5LYBysAfM/3ypbBXq5eleMgiOqez1AAlOGDNiTqfJYEx6dbeQkLi';

  it('challenges anonymous requests and admits the right credentials only', async () => {
    await server.close();
    const file = path.join(root, 'htpasswd');
    await writeFile(file, `${entry}\n`);
    server = await startRegistryServer({
      addr: '127.0.0.1:0',
      root: path.join(root, 'data'),
      htpasswd: file,
      logger: silentLogger(),
    });
    const anon = await fetch(u('/v2/'));
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe('Basic realm="Skiff Registry"');
    expect(await errorCode(anon)).toBe('UNAUTHORIZED');
    const basic = (s: string) => ({ Authorization: `Basic ${Buffer.from(s).toString('base64')}` });
    expect((await fetch(u('/v2/'), { headers: basic('alice:wrong') })).status).toBe(401);
    expect((await fetch(u('/v2/'), { headers: basic('bob:s3cret pass') })).status).toBe(401);
    expect((await fetch(u('/v2/'), { headers: basic('alice:s3cret pass') })).status).toBe(200);
    expect((await fetch(u('/v2/_catalog'), { headers: basic('alice:s3cret pass') })).status).toBe(200);
  });
});
