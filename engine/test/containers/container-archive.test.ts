import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoFileMode } from '../../src/containers/archive.js';
import { NotFoundError, UnsafeArchiveError } from '../../src/errors.js';
import { ContainerEngineFixture, text } from './engine-fixture.js';

let fx: ContainerEngineFixture;
let hostDir: string;

beforeAll(async () => {
  fx = new ContainerEngineFixture();
  await fx.setup();
  hostDir = await mkdtemp(path.join(tmpdir(), 'skiff-archive-host-'));
});

afterAll(async () => {
  await fx.teardown();
  await rm(hostDir, { recursive: true, force: true });
});

type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  body?: string;
  linkname?: string;
  mode?: number;
};

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      p.entry(
        {
          name: e.name,
          type: e.type ?? 'file',
          mode: e.mode ?? 0o644,
          ...(e.linkname ? { linkname: e.linkname } : {}),
        },
        e.body ?? '',
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function entriesOf(tar: Readable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      let body = '';
      for await (const c of entry) body += (c as Buffer).toString();
      out[entry.header.name] = entry.header.type === 'symlink' ? `-> ${entry.header.linkname}` : body;
    }
  })();
  for await (const c of tar) ex.write(c as Buffer);
  ex.end();
  await done;
  return out;
}

async function created(extra: Record<string, unknown> = {}): Promise<string> {
  const { id } = await fx.service.create({
    image: 'busybox',
    cmd: ['sleep', '60'],
    networkMode: 'none',
    ...extra,
  });
  return id;
}

describe('archive', () => {
  it('accepts a PUT into a created container that the process then sees', async () => {
    const id = await created({ cmd: ['cat', '/app/config/settings.txt'] });
    await fx.service.putArchive(
      id,
      '/',
      Readable.from([await tarOf([{ name: 'app/config/settings.txt', body: 'copied in\n' }])]),
      { noOverwriteDirNonDir: true, copyUIDGID: false },
    );
    const exited = fx.service.wait(id, 'next-exit');
    await fx.service.start(id);
    expect((await exited).statusCode).toBe(0);
    expect(await text(fx.service.logs(id, { stdout: true, stderr: true, follow: false }))).toBe(
      'copied in\n',
    );
  });

  it('accepts gzip-compressed archives', async () => {
    const id = await created();
    const gz = gzipSync(await tarOf([{ name: 'z.txt', body: 'zipped' }]));
    await fx.service.putArchive(id, '/tmp', Readable.from([gz]), {
      noOverwriteDirNonDir: false,
      copyUIDGID: false,
    });
    const { tar } = await fx.service.getArchive(id, '/tmp/z.txt');
    expect(await entriesOf(tar)).toEqual({ 'z.txt': 'zipped' });
  });

  it('GETs a directory rebased on its basename, with a Go FileMode stat, from running and stopped containers', async () => {
    const id = await created({
      cmd: ['sh', '-c', 'mkdir -p /data/sub && echo a > /data/a && echo b > /data/sub/b && sleep 60'],
    });
    await fx.service.start(id);
    await new Promise((r) => setTimeout(r, 200));
    const { stat, tar } = await fx.service.getArchive(id, '/data');
    expect(stat.name).toBe('data');
    expect(stat.mode & GoFileMode.Dir).toBeTruthy();
    expect(await entriesOf(tar)).toEqual({
      'data/': '',
      'data/a': 'a\n',
      'data/sub/': '',
      'data/sub/b': 'b\n',
    });
    await fx.service.stop(id, { timeoutSeconds: 0 });
    const after = await fx.service.getArchive(id, '/data/sub/b');
    expect(await entriesOf(after.tar)).toEqual({ b: 'b\n' });
    expect(after.stat.mode & GoFileMode.Dir).toBe(0);
    expect(after.stat.mode & 0o777).toBe(0o644);
  });

  it('stats a symlink without following it and reports where it points', async () => {
    const id = await created();
    const st = await fx.service.statPath(id, '/bin/sh');
    expect(st.mode & GoFileMode.Symlink).toBeTruthy();
    expect(st.linkTarget).toBe('/bin/busybox');
    await expect(fx.service.statPath(id, '/no/such')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('never follows a symlink in the container out to the host', async () => {
    const secret = path.join(hostDir, 'secret');
    await writeFile(secret, 'host secret');
    const id = await created();
    await fx.service.putArchive(
      id,
      '/',
      Readable.from([
        await tarOf([
          { name: 'escape', type: 'symlink', linkname: hostDir },
          { name: 'up', type: 'symlink', linkname: '../../../../../../../..' },
        ]),
      ]),
      { noOverwriteDirNonDir: false, copyUIDGID: false },
    );
    await expect(fx.service.getArchive(id, '/escape/secret')).rejects.toBeInstanceOf(NotFoundError);
    await expect(fx.service.getArchive(id, `/up${secret}`)).rejects.toBeInstanceOf(NotFoundError);
    // The symlink names a directory that does not exist inside the container: nothing to write into.
    await expect(
      fx.service.putArchive(
        id,
        '/escape',
        Readable.from([await tarOf([{ name: 'secret', body: 'overwritten' }])]),
        {
          noOverwriteDirNonDir: false,
          copyUIDGID: false,
        },
      ),
    ).rejects.toBeInstanceOf(NotFoundError);
    // Once it exists in the container, writes land there and the host file stays as it was.
    await fx.service.putArchive(
      id,
      '/',
      Readable.from([await tarOf([{ name: hostDir.slice(1), type: 'directory', mode: 0o755 }])]),
      {
        noOverwriteDirNonDir: false,
        copyUIDGID: false,
      },
    );
    await fx.service.putArchive(
      id,
      '/escape',
      Readable.from([await tarOf([{ name: 'secret', body: 'overwritten' }])]),
      {
        noOverwriteDirNonDir: false,
        copyUIDGID: false,
      },
    );
    expect(await readFile(secret, 'utf8')).toBe('host secret');
    const inside = await fx.service.getArchive(id, `${hostDir}/secret`);
    expect(await entriesOf(inside.tar)).toEqual({ secret: 'overwritten' });
  });

  it('refuses entries that climb out with .., writes through symlinks from the same archive, and hard links out', async () => {
    const id = await created();
    const putTar = async (entries: Entry[]) =>
      fx.service.putArchive(id, '/tmp', Readable.from([await tarOf(entries)]), {
        noOverwriteDirNonDir: false,
        copyUIDGID: false,
      });
    await expect(putTar([{ name: '../../etc/evil', body: 'x' }])).rejects.toBeInstanceOf(UnsafeArchiveError);
    await putTar([
      { name: 'link', type: 'symlink', linkname: hostDir },
      { name: 'link/planted', body: 'through the link' },
    ]);
    await expect(readFile(path.join(hostDir, 'planted'), 'utf8')).rejects.toThrow(/ENOENT/);
    await expect(
      putTar([{ name: 'hard', type: 'link', linkname: '../../../../etc/passwd' }]),
    ).rejects.toBeInstanceOf(UnsafeArchiveError);
  });

  it('refuses to replace a directory with a file when noOverwriteDirNonDir is set', async () => {
    const id = await created();
    await expect(
      fx.service.putArchive(id, '/', Readable.from([await tarOf([{ name: 'tmp', body: 'x' }])]), {
        noOverwriteDirNonDir: true,
        copyUIDGID: false,
      }),
    ).rejects.toThrow(/cannot overwrite directory/);
    await expect(
      fx.service.putArchive(id, '/no/such/dir', Readable.from([await tarOf([{ name: 'a' }])]), {
        noOverwriteDirNonDir: true,
        copyUIDGID: false,
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
