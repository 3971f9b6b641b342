import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaType } from '../../src/constants.js';
import { digestHex, sha256 } from '../../src/content/digest.js';
import { silentLogger } from '../../src/logger.js';
import {
  type RunningRegistryServer,
  startRegistryServer,
} from '../../src/registry/server/start-registry-server.js';
import { makeClient } from './support/client-harness.js';
import { buildImage } from './support/test-image.js';

const run = promisify(execFile);
let root: string;
let server: RunningRegistryServer;

/** A busybox root (the static binary and an `sh` link) as a tar. */
async function busyboxTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  pack.entry({ name: 'bin/', type: 'directory', mode: 0o755, mtime: new Date(0) });
  pack.entry({ name: 'bin/busybox', mode: 0o755, mtime: new Date(0) }, readFileSync('/usr/bin/busybox'));
  pack.entry({ name: 'bin/sh', type: 'symlink', linkname: 'busybox', mode: 0o777, mtime: new Date(0) });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes an image as an OCI image layout (image-spec image-layout.md), as skopeo reads it. */
async function writeOciLayout(dir: string, tag: string, image: ReturnType<typeof buildImage>) {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const b of [image.config, image.manifest, ...image.layers.map((l) => l.blob)]) {
    await writeFile(path.join(blobs, digestHex(sha256(b))), b);
  }
  await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: MediaType.OciManifest,
          digest: image.manifestDigest,
          size: image.manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skiff-skopeo-'));
  server = await startRegistryServer({
    addr: '127.0.0.1:0',
    root: path.join(root, 'registry'),
    logger: silentLogger(),
  });
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe("skopeo against Skiff's registry server", () => {
  it('pushes a busybox image with skopeo, Skiff pulls it, skopeo pulls it back unchanged', async () => {
    const image = buildImage([{ tar: await busyboxTar(), compression: 'gzip' }], { cmd: ['/bin/sh'] });
    const layout = path.join(root, 'layout');
    await writeOciLayout(layout, '1.35', image);
    await run('skopeo', [
      'copy',
      '--preserve-digests',
      '--dest-tls-verify=false',
      `oci:${layout}:1.35`,
      `docker://${server.host}/library/busybox:1.35`,
    ]);
    const inspect = JSON.parse(
      (await run('skopeo', ['inspect', '--tls-verify=false', `docker://${server.host}/library/busybox:1.35`]))
        .stdout,
    ) as { Digest: string; Layers: string[] };
    expect(inspect.Digest).toBe(image.manifestDigest);
    expect(inspect.Layers).toEqual([image.layers[0]!.digest]);

    const h = await makeClient(path.join(root, 'client'));
    try {
      const record = await h.client.pull(`${server.host}/library/busybox:1.35`);
      expect(record.id).toBe(image.configDigest);
      expect(record.repoDigests).toEqual([`${server.host}/library/busybox@${image.manifestDigest}`]);
      expect(await h.content.has(image.layers[0]!.digest)).toBe(true);

      // Skiff pushes it under a new name; skopeo copies that back out.
      await h.images.tag(record.id, `${server.host}/mirror/busybox:copy`);
      const pushed = await h.client.push(`${server.host}/mirror/busybox:copy`);
      expect(pushed.digest).toBe(image.manifestDigest);
    } finally {
      await h.client.close();
    }
    const out = path.join(root, 'out');
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${server.host}/mirror/busybox:copy`,
      `oci:${out}:copy`,
    ]);
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests[0]!.digest).toBe(image.manifestDigest);
    expect(await readdir(path.join(out, 'blobs', 'sha256'))).toContain(digestHex(image.layers[0]!.digest));
    const tags = JSON.parse(
      (await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${server.host}/library/busybox`]))
        .stdout,
    ) as { Tags: string[] };
    expect(tags.Tags).toEqual(['1.35']);
  });
});
