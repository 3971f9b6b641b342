import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';
import type { ContentToCopy, DirectoryToCopy, FileToCopy } from './container-request.js';

/** A fixed mtime for content given in code, so the same content makes the same tar (reuse hash). */
const CONTENT_MTIME = new Date('2024-01-01T00:00:00Z');

function entryName(target: string): string {
  if (!path.posix.isAbsolute(target)) {
    throw new InvalidArgumentError(
      `copy target ${JSON.stringify(target)} must be an absolute path in the container`,
    );
  }
  return path.posix.normalize(target).replace(/^\/+/, '');
}

async function toBuffer(content: string | Buffer | Readable): Promise<Buffer> {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (Buffer.isBuffer(content)) return content;
  const chunks: Buffer[] = [];
  for await (const chunk of content)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export interface CopySet {
  files?: FileToCopy[];
  directories?: DirectoryToCopy[];
  contents?: ContentToCopy[];
}

/**
 * Builds one tar, entries relative to `/`, holding the files, directory trees and contents to copy
 * (uploaded to `/` in one call, after create and before start). Returns undefined when empty.
 * The bytes are deterministic for unchanged inputs, so they can feed the reuse hash.
 */
export async function buildCopyArchive(set: CopySet): Promise<Buffer | undefined> {
  const files = set.files ?? [];
  const directories = set.directories ?? [];
  const contents = set.contents ?? [];
  if (files.length + directories.length + contents.length === 0) return undefined;
  const { pack } = await import('tar-stream');
  const tar = pack();
  const done = readAll(tar as AsyncIterable<Buffer>);
  const add = (header: Parameters<typeof tar.entry>[0], body?: Buffer | Readable) =>
    new Promise<void>((resolve, reject) => {
      if (body === undefined || Buffer.isBuffer(body)) {
        tar.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
        return;
      }
      const entry = tar.entry(header, (err) => (err ? reject(err) : resolve()));
      body.on('error', reject);
      body.pipe(entry);
    });

  const addPath = async (source: string, name: string, mode: number | undefined) => {
    const st = await lstat(source);
    const common = { name, mtime: st.mtime, uid: 0, gid: 0 };
    if (st.isSymbolicLink()) {
      await add({ ...common, type: 'symlink', linkname: await readlink(source), mode: st.mode & 0o7777 });
    } else if (st.isDirectory()) {
      await add({ ...common, type: 'directory', mode: st.mode & 0o7777 });
      for (const child of (await readdir(source)).sort()) {
        await addPath(path.join(source, child), `${name}/${child}`, mode);
      }
    } else if (st.isFile()) {
      await add(
        { ...common, type: 'file', size: st.size, mode: mode ?? st.mode & 0o7777 },
        createReadStream(source),
      );
    } else {
      throw new InvalidArgumentError(
        `cannot copy ${source}: only files, directories and symlinks can be copied`,
      );
    }
  };

  try {
    for (const f of files) {
      const st = await lstat(f.source);
      if (!st.isFile()) throw new InvalidArgumentError(`withCopyFilesToContainer: ${f.source} is not a file`);
      await addPath(f.source, entryName(f.target), f.mode);
    }
    for (const d of directories) {
      const st = await lstat(d.source);
      if (!st.isDirectory())
        throw new InvalidArgumentError(`withCopyDirectoriesToContainer: ${d.source} is not a directory`);
      await addPath(d.source, entryName(d.target), d.mode);
    }
    for (const c of contents) {
      const data = await toBuffer(c.content);
      await add(
        {
          name: entryName(c.target),
          type: 'file',
          size: data.length,
          mode: c.mode ?? 0o644,
          mtime: CONTENT_MTIME,
          uid: 0,
          gid: 0,
        },
        data,
      );
    }
    tar.finalize();
  } catch (err) {
    tar.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  return done;
}
