import { createHash } from 'node:crypto';
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../util/run-command.js';
import { applyLayer } from './apply-layer.js';
import { diffDirectory } from './diff-directory.js';
import { buildTar, type TarEntrySpec } from './testing/tar-fixture.js';

let base: string;
const mounts: string[] = [];

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-diff-'));
});

afterEach(async () => {
  for (const m of mounts.splice(0)) await runCommand('umount', [m], { allowFailure: true });
  await rm(base, { recursive: true, force: true });
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function entriesOf(tar: Buffer) {
  const out: {
    name: string;
    type: string;
    uid: number;
    gid: number;
    mode: number;
    linkname: string;
    pax: unknown;
  }[] = [];
  const ex = extract();
  ex.on('entry', (h, s, next) => {
    out.push({
      name: h.name,
      type: h.type,
      uid: h.uid,
      gid: h.gid,
      mode: h.mode,
      linkname: h.linkname,
      pax: h.pax,
    });
    s.on('end', () => next());
    s.resume();
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', () => resolve());
    ex.on('error', reject);
    ex.end(tar);
  });
  return out;
}

/** Every path under `dir` with type, mode, owner, and content hash or link target. */
async function manifest(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(path.join(dir, rel))).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const abs = path.join(dir, p);
    const st = await lstat(abs);
    const owner = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isDirectory()) {
      out.push(`${p}/ ${owner}`);
      out.push(...(await manifest(dir, p)));
    } else if (st.isSymbolicLink()) out.push(`${p} -> ${await readlink(abs)} ${st.uid}:${st.gid}`);
    else if (st.isFile()) {
      out.push(
        `${p} ${owner} ${createHash('sha256')
          .update(await readFile(abs))
          .digest('hex')
          .slice(0, 12)}`,
      );
    } else out.push(`${p} special ${owner}`);
  }
  return out;
}

async function mountOverlay(lowers: string[], upper?: string): Promise<string> {
  const merged = await mkdtemp(path.join(base, 'merged-'));
  let options = `lowerdir=${lowers.join(':')}`;
  if (upper) {
    const work = await mkdtemp(path.join(base, 'work-'));
    options += `,upperdir=${upper},workdir=${work},redirect_dir=off,metacopy=off`;
  }
  await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, merged]);
  mounts.push(merged);
  return merged;
}

async function unmount(dir: string): Promise<void> {
  await runCommand('umount', [dir]);
  mounts.splice(mounts.indexOf(dir), 1);
}

const lowerLayer: TarEntrySpec[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/passwd', data: 'root:x:0:0\n' },
  { name: 'etc/hostname', data: 'lower\n' },
  { name: 'var/', type: 'directory' },
  { name: 'var/cache/', type: 'directory' },
  { name: 'var/cache/a', data: 'a' },
  { name: 'var/cache/sub/', type: 'directory' },
  { name: 'var/cache/sub/b', data: 'b' },
  { name: 'srv/', type: 'directory', uid: 33, gid: 33 },
  { name: 'srv/www', data: 'index', uid: 33, gid: 33, mode: 0o640 },
  { name: 'bin/', type: 'directory' },
  { name: 'bin/sh', data: 'shell', mode: 0o755 },
  { name: 'bin/ash', type: 'link', linkname: 'bin/sh' },
];

describe('diffDirectory', () => {
  it('archives a plain tree deterministically: directory, then sorted children, hardlinks as links', async () => {
    const dir = path.join(base, 'tree');
    await mkdir(path.join(dir, 'b/inner'), { recursive: true });
    await writeFile(path.join(dir, 'b/inner/f'), 'f');
    await writeFile(path.join(dir, 'a'), 'a');
    await link(path.join(dir, 'a'), path.join(dir, 'c-hard'));
    await symlink('a', path.join(dir, 'd-link'));
    await runCommand('mknod', [path.join(dir, 'e-fifo'), 'p']);
    await runCommand('setfattr', ['-n', 'user.note', '-v', 'hello', path.join(dir, 'a')]);
    for (const p of ['a', 'b/inner/f', 'b/inner', 'b']) await utimes(path.join(dir, p), 1e9, 1e9);

    const first = await collect(diffDirectory(dir, { overlay: false }));
    const second = await collect(diffDirectory(dir, { overlay: false }));
    expect(first.equals(second)).toBe(true);
    const entries = await entriesOf(first);
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['a', 'file'],
      ['b/', 'directory'],
      ['b/inner/', 'directory'],
      ['b/inner/f', 'file'],
      ['c-hard', 'link'],
      ['d-link', 'symlink'],
      ['e-fifo', 'fifo'],
    ]);
    expect(entries[4]?.linkname).toBe('a');
    expect(entries[5]?.linkname).toBe('a');
    expect(entries[0]?.pax).toMatchObject({ 'SCHILY.xattr.user.note': 'hello' });
  });

  it('writes whiteouts and opaque markers of an upper dir before the other entries', async () => {
    const upper = path.join(base, 'upper');
    await mkdir(path.join(upper, 'etc'), { recursive: true });
    await writeFile(path.join(upper, 'etc/a-new'), 'n');
    await runCommand('mknod', [path.join(upper, 'etc/z-gone'), 'c', '0', '0']);
    await mkdir(path.join(upper, 'opaque'));
    await writeFile(path.join(upper, 'opaque/kept'), 'k');
    await runCommand('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(upper, 'opaque')]);
    const entries = await entriesOf(await collect(diffDirectory(upper)));
    expect(entries.map((e) => e.name)).toEqual([
      'etc/',
      'etc/.wh.z-gone',
      'etc/a-new',
      'opaque/',
      'opaque/.wh..wh..opq',
      'opaque/kept',
    ]);
    // The opaque xattr itself is never exported as a PAX record.
    expect(entries[3]?.pax).toBeFalsy();
  });

  it('round-trips a real overlay upper dir: deletes, replacements and opaque dirs', async () => {
    const lower = path.join(base, 'lower');
    const upper = path.join(base, 'upper');
    await mkdir(lower);
    await mkdir(upper);
    await applyLayer(Readable.from([await buildTar(lowerLayer)]), lower);

    const merged = await mountOverlay([lower], upper);
    await rm(path.join(merged, 'etc/passwd'));
    await writeFile(path.join(merged, 'etc/hostname'), 'upper\n');
    await rm(path.join(merged, 'var/cache'), { recursive: true });
    await mkdir(path.join(merged, 'var/cache'));
    await writeFile(path.join(merged, 'var/cache/fresh'), 'fresh');
    await rm(path.join(merged, 'bin/ash'));
    await writeFile(path.join(merged, 'srv/new'), 'new');
    await rename(path.join(merged, 'srv/www'), path.join(merged, 'srv/www2'));
    const expected = await manifest(merged);
    await unmount(merged);

    const layer = await collect(diffDirectory(upper));

    // As a second lowerdir: the overlay of both layers shows the same tree.
    const snapshot = path.join(base, 'snapshot');
    await mkdir(snapshot);
    await applyLayer(Readable.from([layer]), snapshot);
    const view = await mountOverlay([snapshot, lower]);
    expect(await manifest(view)).toEqual(expected);
    await unmount(view);

    // Flattened onto a copy of the lower layer: the same tree again.
    const flat = path.join(base, 'flat');
    await mkdir(flat);
    await applyLayer(Readable.from([await buildTar(lowerLayer)]), flat, { whiteouts: 'flatten' });
    await applyLayer(Readable.from([layer]), flat, { whiteouts: 'flatten' });
    expect(await manifest(flat)).toEqual(expected);
    expect(expected).toContain('var/cache/fresh 644 0:0 ' + sha12('fresh'));
    expect(expected.some((l) => l.startsWith('var/cache/a'))).toBe(false);
    expect(expected.some((l) => l.startsWith('etc/passwd'))).toBe(false);
  });

  it('refuses an upper dir whose renames were recorded as overlay redirects', async () => {
    const upper = path.join(base, 'upper');
    await mkdir(path.join(upper, 'moved'), { recursive: true });
    await runCommand('setfattr', [
      '-n',
      'trusted.overlay.redirect',
      '-v',
      '/orig',
      path.join(upper, 'moved'),
    ]);
    await expect(collect(diffDirectory(upper))).rejects.toMatchObject({
      code: 'SKIFF_UNSUPPORTED_OVERLAY',
      message: /redirect_dir=off/,
    });
  });
});

function sha12(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}
