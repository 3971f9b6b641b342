import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../content/digest.js';
import { DigestMismatchError, UnsafeArchiveError } from '../errors.js';
import { runCommand } from '../util/run-command.js';
import { diffDirectory } from './diff-directory.js';
import { buildTar, noise } from './testing/tar-fixture.js';
import { runNodeScript, transpileForChild } from './testing/transpile-for-child.js';
import { WorkerLayerUnpacker } from './worker-layer-unpacker.js';

let compiled: string;
let workerUrl: string;
let unpackerJs: string;
let base: string;
const unpackers: WorkerLayerUnpacker[] = [];

beforeAll(async () => {
  // Worker threads run JavaScript: the worker entry and what it imports, transpiled.
  compiled = await mkdtemp(path.join(tmpdir(), 'skiff-unpack-worker-js-'));
  const src = fileURLToPath(new URL('..', import.meta.url));
  workerUrl = await transpileForChild(path.join(src, 'layers/unpack-worker.ts'), src, compiled, {
    nodeModules: fileURLToPath(new URL('../../../node_modules', import.meta.url)),
  });
  // Beside it, as in dist: the default worker URL of the transpiled unpacker finds the entry.
  unpackerJs = await transpileForChild(path.join(src, 'layers/worker-layer-unpacker.ts'), src, compiled);
});

afterAll(async () => {
  await rm(compiled, { recursive: true, force: true });
});

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-worker-unpack-'));
});

afterEach(async () => {
  for (const u of unpackers.splice(0)) await u.close();
  await rm(base, { recursive: true, force: true });
});

function unpacker(options: { maxWorkers?: number } = {}): WorkerLayerUnpacker {
  const u = new WorkerLayerUnpacker({ workerUrl, ...options });
  unpackers.push(u);
  return u;
}

async function target(name: string): Promise<string> {
  const dir = path.join(base, name);
  await mkdir(dir);
  return dir;
}

/** The blob in pieces of `size` bytes, as a socket delivers it. */
function stream(blob: Buffer, size = 65536): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < blob.length; i += size) pieces.push(blob.subarray(i, i + size));
  return Readable.from(pieces);
}

async function collect(readable: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of readable) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

function zstd(data: Buffer): Buffer {
  const out = spawnSync('zstd', ['-q', '-c', '-1'], { input: data, maxBuffer: 1 << 30 });
  if (out.status !== 0) throw new Error(`zstd failed: ${out.stderr}`);
  return out.stdout;
}

describe('WorkerLayerUnpacker', () => {
  it('unpacks gzip, zstd and plain layers in worker threads with the diff ID of the tar', async () => {
    const u = unpacker();
    const big = noise(12 << 20);
    const tar = await buildTar([
      { name: 'etc/', type: 'directory', mode: 0o750 },
      { name: 'etc/conf', data: 'x=1\n', mode: 0o600, uid: 1000, gid: 1000 },
      { name: 'bin/big', data: big, mode: 0o755 },
      { name: 'bin/alias', type: 'symlink', linkname: 'big' },
      { name: 'etc/.wh.gone', data: '' },
    ]);
    for (const [name, blob, compression] of [
      ['gz', gzipSync(tar), 'gzip'],
      ['zst', zstd(tar), 'zstd'],
      ['plain', tar, 'none'],
    ] as const) {
      const dir = await target(name);
      const result = await u.unpack(stream(blob), dir, { expectedDiffId: sha256(tar) });
      expect(result).toMatchObject({
        diffId: sha256(tar),
        size: tar.length,
        fileBytes: big.length + 4,
        compression,
      });
      expect((await readFile(path.join(dir, 'bin/big'))).equals(big)).toBe(true);
      const conf = await stat(path.join(dir, 'etc/conf'));
      expect([conf.mode & 0o7777, conf.uid, conf.gid]).toEqual([0o600, 1000, 1000]);
      expect((await stat(path.join(dir, 'etc'))).mode & 0o7777).toBe(0o750);
      expect((await stat(path.join(dir, 'etc/gone'))).isCharacterDevice()).toBe(true);
    }
  });

  it('unpacks several layers at once, beyond its workers on the calling thread', async () => {
    const u = unpacker({ maxWorkers: 1 });
    const tars = await Promise.all(
      [1, 2, 3].map((i) => buildTar([{ name: `f${i}`, data: noise(3 << 20, i) }])),
    );
    const dirs = await Promise.all(tars.map((_, i) => target(`l${i}`)));
    const results = await Promise.all(tars.map((t, i) => u.unpack(stream(gzipSync(t)), dirs[i] as string)));
    expect(results.map((r) => r.diffId)).toEqual(tars.map((t) => sha256(t)));
    for (const [i, dir] of dirs.entries()) {
      expect((await readFile(path.join(dir, `f${i + 1}`))).equals(noise(3 << 20, i + 1))).toBe(true);
    }
  });

  it('rejects a diff ID mismatch as DigestMismatchError', async () => {
    const tar = await buildTar([{ name: 'a', data: 'a' }]);
    const err = await unpacker()
      .unpack(stream(tar), await target('x'), { expectedDiffId: sha256('other') })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err).toMatchObject({ expected: sha256('other'), actual: sha256(tar) });
  });

  it('refuses a hostile archive with UnsafeArchiveError, writing nothing outside the directory', async () => {
    const dir = await target('root');
    const tar = await buildTar([
      { name: 'link', type: 'symlink', linkname: '../outside' },
      { name: 'link/escaped', data: 'x' },
      { name: '../evil', data: 'x' },
    ]);
    const err = await unpacker()
      .unpack(stream(tar), dir)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as UnsafeArchiveError).code).toBe('SKIFF_UNSAFE_ARCHIVE');
    expect((await readdir(base)).sort()).toEqual(['root']);
  });

  it('rejects with the source error itself when the blob stream breaks, after the worker stopped', async () => {
    const src = new PassThrough();
    const tar = await buildTar([{ name: 'a', data: noise(400_000) }]);
    src.write(gzipSync(tar).subarray(0, 20_000));
    const broken = new Error('connection reset');
    setTimeout(() => src.destroy(broken), 20);
    await expect(unpacker().unpack(src, await target('x'))).rejects.toBe(broken);
  });

  it('passes errno errors through with their code (a full disk)', async () => {
    const small = await target('small');
    await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      const tar = await buildTar([{ name: 'big', data: noise(4 << 20) }]);
      const err = await unpacker()
        .unpack(stream(tar), small)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ENOSPC', syscall: expect.any(String) });
    } finally {
      await runCommand('umount', [small], { allowFailure: true });
    }
  });

  it('fails the layers in progress when closed', async () => {
    const u = unpacker();
    const src = new PassThrough();
    src.write(gzipSync(await buildTar([{ name: 'a', data: noise(400_000) }])).subarray(0, 10_000));
    const pending = u.unpack(src, await target('x'));
    await new Promise((r) => setTimeout(r, 50));
    await u.close();
    await expect(pending).rejects.toThrow(/worker/);
    await expect(u.unpack(Readable.from([]), await target('y'))).rejects.toThrow(/closed/);
  });

  it('diffs a directory in a worker thread into the same tar as diffDirectory, large files and whiteouts included', async () => {
    const u = unpacker();
    const upper = await target('upper');
    await mkdir(path.join(upper, 'etc/deep'), { recursive: true });
    await writeFile(path.join(upper, 'etc/deep/conf'), 'x=1\n', { mode: 0o640 });
    await writeFile(path.join(upper, 'big'), noise(10 << 20, 7));
    await symlink('big', path.join(upper, 'alias'));
    await runCommand('mknod', ['-m', '000', path.join(upper, 'etc/gone'), 'c', '0', '0']);
    await runCommand('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(upper, 'etc/deep')]);
    const viaWorker = await collect(u.diff(upper));
    const inline = await collect(diffDirectory(upper));
    expect(sha256(viaWorker)).toBe(sha256(inline));
    // And it is a layer: unpacked (in a worker too) it gives the tree back.
    const dir = await target('unpacked');
    const result = await u.unpack(stream(viaWorker), dir, { expectedDiffId: sha256(inline) });
    expect(result.fileBytes).toBe((10 << 20) + 4);
    expect((await readFile(path.join(dir, 'big'))).equals(noise(10 << 20, 7))).toBe(true);
    expect((await stat(path.join(dir, 'etc/gone'))).isCharacterDevice()).toBe(true);
    const opaque = await runCommand('getfattr', [
      '-n',
      'trusted.overlay.opaque',
      '--only-values',
      path.join(dir, 'etc/deep'),
    ]);
    expect(opaque.stdout).toBe('y');
  });

  it('stops the walk when the diff reader goes away, and frees its worker for the next job', async () => {
    const u = unpacker({ maxWorkers: 1 });
    const upper = await target('many');
    for (let i = 0; i < 40; i++) await writeFile(path.join(upper, `f${i}`), noise(1 << 20, i));
    const reader = u.diff(upper);
    await new Promise<void>((resolve) => reader.once('data', () => resolve()));
    reader.destroy();
    // The one worker takes the next job once the aborted walk answered.
    const tar = await buildTar([{ name: 'a', data: 'a' }]);
    expect((await u.unpack(stream(tar), await target('next'))).diffId).toBe(sha256(tar));
  });

  it('fails the diff stream with the error of the walk (a directory that is not there)', async () => {
    await expect(collect(unpacker().diff(path.join(base, 'missing')))).rejects.toThrow(/ENOENT|missing/);
  });

  it('lets the process exit while workers idle, without close()', async () => {
    const tar = await buildTar([{ name: 'a', data: 'x' }]);
    const script = `
      const { Readable } = await import('node:stream');
      const { WorkerLayerUnpacker } = await import(${JSON.stringify(unpackerJs)});
      const u = new WorkerLayerUnpacker({ idleMs: 60000 });
      u.prewarm(2);
      const tar = Buffer.from(${JSON.stringify(tar.toString('base64'))}, 'base64');
      const r = await u.unpack(Readable.from([tar]), ${JSON.stringify(await target('idle'))});
      process.stdout.write(r.diffId);
    `;
    const started = Date.now();
    expect(await runNodeScript(script)).toBe(sha256(tar));
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
