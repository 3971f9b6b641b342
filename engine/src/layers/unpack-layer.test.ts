import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../content/digest.js';
import { buildTar, noise } from './testing/tar-fixture.js';
import { unpackLayer } from './unpack-layer.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-unpack-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('unpackLayer', () => {
  it('decompresses, applies and reports the diff ID of the uncompressed tar in one pass', async () => {
    const data = noise(200_000);
    const tar = await buildTar([
      { name: 'usr/', type: 'directory' },
      { name: 'usr/data', data },
    ]);
    const gz = gzipSync(tar);
    const pieces = [gz.subarray(0, 3), gz.subarray(3, 5000), gz.subarray(5000)];
    const result = await unpackLayer(Readable.from(pieces), dir, { expectedDiffId: sha256(tar) });
    expect(result).toMatchObject({ diffId: sha256(tar), size: tar.length, compression: 'gzip' });
    expect(
      createHash('sha256')
        .update(await readFile(path.join(dir, 'usr/data')))
        .digest('hex'),
    ).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('rejects a layer whose uncompressed digest differs from the expected diff ID', async () => {
    const tar = await buildTar([{ name: 'a', data: 'a' }]);
    const other = sha256('something else');
    await expect(
      unpackLayer(Readable.from([gzipSync(tar)]), dir, { expectedDiffId: other }),
    ).rejects.toMatchObject({
      code: 'SKIFF_DIGEST_MISMATCH',
      expected: other,
      actual: sha256(tar),
    });
  });

  it('fails with the source error when the blob stream breaks', async () => {
    const tar = await buildTar([{ name: 'a', data: noise(100_000) }]);
    const src = new PassThrough();
    src.write(tar.subarray(0, 20_000));
    setTimeout(() => src.destroy(new Error('connection reset')), 20);
    await expect(unpackLayer(src, dir)).rejects.toThrow(/connection reset/);
  });

  it('unpacks a plain tar unchanged', async () => {
    const tar = await buildTar([{ name: 'x', data: 'y' }]);
    expect((await unpackLayer(Readable.from([tar]), dir)).compression).toBe('none');
    expect(await readdir(dir)).toEqual(['x']);
  });
});
