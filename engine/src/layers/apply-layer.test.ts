import { createHash } from 'node:crypto';
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../util/run-command.js';
import { type ApplyLayerOptions, applyLayer } from './apply-layer.js';
import { asyncLayerFs, type LayerFs, syncLayerFs } from './layer-fs.js';
import { buildTar, noise, type TarEntrySpec } from './testing/tar-fixture.js';

let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-apply-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret'), 'untouched');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** The file operations the suite runs with (every test runs with both). */
let fs: LayerFs = asyncLayerFs;

/** applyLayer with the suite's current file operations. */
function applyWith(tar: Readable, dir: string, options?: ApplyLayerOptions) {
  return applyLayer(tar, dir, { fs, ...options });
}

async function apply(entries: TarEntrySpec[], options?: ApplyLayerOptions) {
  return applyWith(Readable.from([await buildTar(entries)]), root, options);
}

async function xattr(p: string, name: string): Promise<string | undefined> {
  const r = await runCommand('getfattr', ['-h', '--only-values', '-n', name, p], { allowFailure: true });
  return r.exitCode === 0 ? r.stdout : undefined;
}

async function outsideUntouched(): Promise<void> {
  expect(await readdir(outside)).toEqual(['secret']);
  expect(await readFile(path.join(outside, 'secret'), 'utf8')).toBe('untouched');
}

describe.each([
  ['thread-pool', asyncLayerFs],
  ['direct (worker thread)', syncLayerFs],
] as const)('with %s file operations', (_name, layerFs) => {
  beforeEach(() => {
    fs = layerFs;
  });

  describe('applyLayer', () => {
    it('returns the sha256 and length of the tar bytes as the diff ID', async () => {
      const tar = await buildTar([{ name: 'a', data: 'x' }]);
      const applied = await applyWith(Readable.from([tar]), root);
      expect(applied.diffId).toBe(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
      expect(applied.size).toBe(tar.length);
      expect(applied.fileBytes).toBe(1);
    });

    it('preserves content, mode, ownership, mtime, symlinks and hardlinks', async () => {
      const mtime = new Date('2020-05-06T07:08:09Z');
      const big = noise(3 << 20);
      await apply([
        { name: 'bin/', type: 'directory', mode: 0o750, uid: 10, gid: 20, mtime },
        { name: 'bin/tool', data: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 1001, mtime },
        { name: 'bin/big', data: big, mode: 0o600 },
        { name: 'bin/alias', type: 'symlink', linkname: 'tool', uid: 7, gid: 8, mtime },
        { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
        { name: 'tmp/', type: 'directory', mode: 0o1777 },
      ]);
      const tool = await lstat(path.join(root, 'bin/tool'));
      expect(tool.mode & 0o7777).toBe(0o4755);
      expect([tool.uid, tool.gid]).toEqual([1000, 1001]);
      expect(tool.mtime.getTime()).toBe(mtime.getTime());
      expect(tool.nlink).toBe(2);
      expect((await lstat(path.join(root, 'bin/hard'))).ino).toBe(tool.ino);
      expect((await readFile(path.join(root, 'bin/big'))).equals(big)).toBe(true);
      const dir = await lstat(path.join(root, 'bin'));
      expect(dir.mode & 0o7777).toBe(0o750);
      expect([dir.uid, dir.gid]).toEqual([10, 20]);
      // The directory's mtime survives the files written into it afterwards.
      expect(dir.mtime.getTime()).toBe(mtime.getTime());
      const alias = await lstat(path.join(root, 'bin/alias'));
      expect(alias.isSymbolicLink()).toBe(true);
      expect([alias.uid, alias.gid]).toEqual([7, 8]);
      expect(await readlink(path.join(root, 'bin/alias'))).toBe('tool');
      expect((await lstat(path.join(root, 'tmp'))).mode & 0o7777).toBe(0o1777);
    });

    it('gives files exactly their mode whatever the umask would strip', async () => {
      await apply([
        { name: 'open', data: 'x', mode: 0o666 },
        { name: 'closed', data: 'x', mode: 0o400 },
        { name: 'sticky', data: 'x', mode: 0o1755 },
        { name: 'setgid', data: 'x', mode: 0o2711 },
      ]);
      const modes = await Promise.all(
        ['open', 'closed', 'sticky', 'setgid'].map(
          async (n) => (await lstat(path.join(root, n))).mode & 0o7777,
        ),
      );
      expect(modes).toEqual([0o666, 0o400, 0o1755, 0o2711]);
    });

    it('creates missing parent directories and fifos', async () => {
      await apply([
        { name: 'a/b/c/file', data: 'deep' },
        { name: 'run/pipe', type: 'fifo', mode: 0o620 },
      ]);
      expect(await readFile(path.join(root, 'a/b/c/file'), 'utf8')).toBe('deep');
      const fifo = await lstat(path.join(root, 'run/pipe'));
      expect(fifo.isFIFO()).toBe(true);
      expect(fifo.mode & 0o777).toBe(0o620);
    });

    it('replaces earlier entries: file by directory, directory by file, symlink by file', async () => {
      await apply([
        { name: 'x', data: 'file' },
        { name: 'x/', type: 'directory' },
        { name: 'x/inner', data: 'inside' },
        { name: 'y/', type: 'directory' },
        { name: 'y/z', data: 'gone' },
        { name: 'y', data: 'now a file' },
        { name: 'l', type: 'symlink', linkname: '../outside/secret' },
        { name: 'l', data: 'plain' },
      ]);
      expect(await readFile(path.join(root, 'x/inner'), 'utf8')).toBe('inside');
      expect(await readFile(path.join(root, 'y'), 'utf8')).toBe('now a file');
      expect((await lstat(path.join(root, 'l'))).isFile()).toBe(true);
      await outsideUntouched();
    });

    it('merges a directory that exists and gives it the new attributes', async () => {
      await mkdir(path.join(root, 'etc'), { mode: 0o700 });
      await writeFile(path.join(root, 'etc/keep'), 'kept');
      await apply(
        [
          { name: 'etc/', type: 'directory', mode: 0o755 },
          { name: 'etc/new', data: 'n' },
        ],
        {
          whiteouts: 'flatten',
        },
      );
      expect((await lstat(path.join(root, 'etc'))).mode & 0o777).toBe(0o755);
      expect((await readdir(path.join(root, 'etc'))).sort()).toEqual(['keep', 'new']);
    });

    describe('whiteouts in overlay mode', () => {
      it('turns .wh.<name> into a 0:0 character device owned like the entry', async () => {
        await apply([
          { name: 'etc/', type: 'directory' },
          { name: 'etc/.wh.passwd', uid: 5, gid: 6 },
          { name: 'etc/.wh.group', uid: 5, gid: 6 },
          { name: 'etc/.wh.shadow' },
        ]);
        for (const name of ['passwd', 'group', 'shadow']) {
          const st = await lstat(path.join(root, 'etc', name));
          expect(st.isCharacterDevice()).toBe(true);
          expect(st.rdev).toBe(0);
        }
        const passwd = await lstat(path.join(root, 'etc/passwd'));
        expect([passwd.uid, passwd.gid]).toEqual([5, 6]);
        expect((await lstat(path.join(root, 'etc/shadow'))).uid).toBe(0);
        expect((await readdir(path.join(root, 'etc'))).some((n) => n.startsWith('.wh.'))).toBe(false);
      });

      it('marks .wh..wh..opq directories opaque without writing the marker', async () => {
        await apply([
          { name: 'var/', type: 'directory' },
          { name: 'var/cache/', type: 'directory' },
          { name: 'var/cache/new', data: 'n' },
          { name: 'var/cache/.wh..wh..opq' },
        ]);
        expect(await xattr(path.join(root, 'var/cache'), 'trusted.overlay.opaque')).toBe('y');
        expect(await xattr(path.join(root, 'var'), 'trusted.overlay.opaque')).toBeUndefined();
        expect(await readdir(path.join(root, 'var/cache'))).toEqual(['new']);
      });

      it('ignores AUFS bookkeeping entries', async () => {
        await apply([{ name: '.wh..wh.plnk/', type: 'directory' }, { name: '.wh..wh.aufs' }]);
        expect(await readdir(root)).toEqual([]);
      });
    });

    describe('whiteouts in flatten mode', () => {
      it('deletes whited-out paths and clears opaque directories but keeps this layer entries', async () => {
        await mkdir(path.join(root, 'etc/old'), { recursive: true });
        await writeFile(path.join(root, 'etc/old/x'), 'x');
        await writeFile(path.join(root, 'etc/lower'), 'lower');
        await mkdir(path.join(root, 'srv/sub'), { recursive: true });
        await writeFile(path.join(root, 'srv/sub/lower'), 'l');
        await apply(
          [
            { name: 'etc/.wh.old' },
            { name: 'srv/', type: 'directory' },
            { name: 'srv/sub/', type: 'directory' },
            { name: 'srv/sub/mine', data: 'm' },
            { name: 'srv/top', data: 't' },
            // After the layer's own entries: it still hides only what lower layers had.
            { name: 'srv/.wh..wh..opq' },
          ],
          { whiteouts: 'flatten' },
        );
        expect(await readdir(path.join(root, 'etc'))).toEqual(['lower']);
        expect((await readdir(path.join(root, 'srv'))).sort()).toEqual(['sub', 'top']);
        expect(await readdir(path.join(root, 'srv/sub'))).toEqual(['mine']);
      });
    });

    describe('hostile archives', () => {
      it('rejects ".." components', async () => {
        await expect(apply([{ name: '../outside/evil', data: 'x' }])).rejects.toMatchObject({
          code: 'SKIFF_UNSAFE_ARCHIVE',
        });
        await expect(apply([{ name: 'a/../../outside/evil', data: 'x' }])).rejects.toMatchObject({
          code: 'SKIFF_UNSAFE_ARCHIVE',
        });
        await outsideUntouched();
      });

      it('confines absolute paths to the root', async () => {
        await apply([{ name: `${outside}/evil`, data: 'x' }]);
        await outsideUntouched();
        expect(await readFile(path.join(root, outside, 'evil'), 'utf8')).toBe('x');
      });

      it('never writes through a symlink the archive created, even one pointing outside', async () => {
        await apply([
          { name: 'escape', type: 'symlink', linkname: outside },
          { name: 'escape/secret', data: 'pwned' },
          { name: 'up', type: 'symlink', linkname: '../../../../..' },
          { name: 'up/evil', data: 'pwned' },
        ]);
        await outsideUntouched();
        // Resolved inside the root, as a chroot would.
        expect(await readFile(path.join(root, outside, 'secret'), 'utf8')).toBe('pwned');
        expect(await readFile(path.join(root, 'evil'), 'utf8')).toBe('pwned');
        expect(await readlink(path.join(root, 'escape'))).toBe(outside);
      });

      it('never follows a symlink that was already in the directory', async () => {
        await symlink(outside, path.join(root, 'pre'));
        await symlink(path.join(outside, 'secret'), path.join(root, 'file'));
        await apply(
          [
            { name: 'pre/secret', data: 'pwned' },
            { name: 'file', data: 'replaced the link' },
          ],
          { whiteouts: 'flatten' },
        );
        await outsideUntouched();
        expect((await lstat(path.join(root, 'file'))).isFile()).toBe(true);
      });

      it('does not follow a symlink loop forever', async () => {
        await expect(
          apply([
            { name: 'a', type: 'symlink', linkname: 'b' },
            { name: 'b', type: 'symlink', linkname: 'a' },
            { name: 'a/x', data: 'x' },
          ]),
        ).rejects.toMatchObject({ code: 'SKIFF_UNSAFE_ARCHIVE', message: /symbolic links/ });
      });

      it('rejects hardlinks to paths outside the root, missing targets and targets behind symlinks', async () => {
        await expect(
          apply([{ name: 'h', type: 'link', linkname: '../outside/secret' }]),
        ).rejects.toMatchObject({
          code: 'SKIFF_UNSAFE_ARCHIVE',
        });
        await expect(
          apply([{ name: 'h', type: 'link', linkname: `${outside}/secret` }]),
        ).rejects.toMatchObject({
          code: 'SKIFF_UNSAFE_ARCHIVE',
          message: /not an earlier entry/,
        });
        await expect(
          apply([
            { name: 'l', type: 'symlink', linkname: outside },
            { name: 'h', type: 'link', linkname: 'l/secret' },
          ]),
        ).rejects.toMatchObject({ code: 'SKIFF_UNSAFE_ARCHIVE', message: /goes through/ });
        expect((await lstat(path.join(outside, 'secret'))).nlink).toBe(1);
        await outsideUntouched();
      });

      it('refuses character and block devices, or skips them when asked', async () => {
        await expect(
          apply([{ name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1 }]),
        ).rejects.toMatchObject({ code: 'SKIFF_UNSAFE_ARCHIVE', message: /device/ });
        await expect(
          apply([{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }]),
        ).rejects.toMatchObject({ code: 'SKIFF_UNSAFE_ARCHIVE' });
        await apply([{ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 }], {
          devices: 'skip',
        });
        expect(await readdir(path.join(root, 'dev'))).toEqual([]);
      });

      it('rejects absurdly long paths and components', async () => {
        const long = `${'d/'.repeat(2100)}f`;
        await expect(apply([{ name: long, data: 'x' }])).rejects.toMatchObject({
          code: 'SKIFF_UNSAFE_ARCHIVE',
          message: /longer than 4096/,
        });
        await expect(apply([{ name: `${'n'.repeat(300)}`, data: 'x' }])).rejects.toMatchObject({
          code: 'SKIFF_UNSAFE_ARCHIVE',
          message: /255/,
        });
      });

      it('rejects a whiteout that names ".."', async () => {
        await expect(apply([{ name: 'etc/.wh...' }])).rejects.toMatchObject({ code: 'SKIFF_UNSAFE_ARCHIVE' });
      });

      it('rejects a corrupt header checksum', async () => {
        const tar = await buildTar([{ name: 'a', data: 'x' }]);
        tar[0] = 'b'.charCodeAt(0);
        await expect(applyWith(Readable.from([tar]), root)).rejects.toMatchObject({
          code: 'SKIFF_INVALID_ARGUMENT',
          message: /not a valid tar/,
        });
      });

      it('rejects oversized PAX headers', async () => {
        const huge = await buildTar([{ name: 'a', data: 'x', pax: { comment: 'z'.repeat(5 << 20) } }]);
        await expect(applyWith(Readable.from([huge]), root)).rejects.toMatchObject({
          code: 'SKIFF_INVALID_ARGUMENT',
          message: /max size/,
        });
      });

      it('rejects a truncated archive', async () => {
        const tar = await buildTar([{ name: 'a', data: noise(10_000) }]);
        await expect(applyWith(Readable.from([tar.subarray(0, 3000)]), root)).rejects.toMatchObject({
          code: 'SKIFF_INVALID_ARGUMENT',
          message: /Unexpected end/,
        });
      });

      it('drops overlay xattrs from the archive and keeps ordinary ones', async () => {
        await apply([
          {
            name: 'd/',
            type: 'directory',
            pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y', 'SCHILY.xattr.user.note': 'kept' },
          },
          { name: 'f', data: 'x', pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } },
        ]);
        expect(await xattr(path.join(root, 'd'), 'trusted.overlay.opaque')).toBeUndefined();
        expect(await xattr(path.join(root, 'd'), 'user.note')).toBe('kept');
        expect(await xattr(path.join(root, 'f'), 'trusted.overlay.redirect')).toBeUndefined();
      });
    });

    it('leaves a hardlink to an earlier file of the same layer intact when that file is replaced', async () => {
      await apply([
        { name: 'a', data: 'one' },
        { name: 'b', type: 'link', linkname: 'a' },
        { name: 'a', data: 'two' },
      ]);
      expect(await readFile(path.join(root, 'b'), 'utf8')).toBe('one');
      expect(await readFile(path.join(root, 'a'), 'utf8')).toBe('two');
    });

    it('applies onto existing hardlinks without changing the other name', async () => {
      await writeFile(path.join(root, 'orig'), 'orig');
      await link(path.join(root, 'orig'), path.join(root, 'alias'));
      await apply([{ name: 'alias', data: 'new' }], { whiteouts: 'flatten' });
      expect(await readFile(path.join(root, 'orig'), 'utf8')).toBe('orig');
      expect(await readFile(path.join(root, 'alias'), 'utf8')).toBe('new');
    });

    it('rejects with the write error when the disk fills in the middle of a large file', async () => {
      // A 1 MiB tmpfs fills during the first file: the failed write leaves the entry, which destroys
      // the parser without an error while the source still has data queued behind it.
      const small = path.join(base, 'small');
      await mkdir(small);
      await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
      try {
        const tar = await buildTar([
          { name: 'big', data: noise(6 << 20) },
          { name: 'after', data: 'x' },
        ]);
        const chunks = Array.from({ length: Math.ceil(tar.length / 65536) }, (_, i) =>
          tar.subarray(i * 65536, (i + 1) * 65536),
        );
        await expect(applyWith(Readable.from(chunks), small)).rejects.toMatchObject({ code: 'ENOSPC' });
      } finally {
        await runCommand('umount', [small], { allowFailure: true });
      }
    });
  });
});
