import { createReadStream, createWriteStream } from 'node:fs';
import { link, lstat, mkdir, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { UsageError } from './units.js';

/**
 * Packs `source` (file, directory tree or symlink) into a tar whose root entry is `rootName`
 * (or, with `contentsOnly`, the directory's children at the top). Owners are 0:0 unless
 * `keepOwners` (`cp -a`), as `docker cp` does.
 */
export function packPath(
  source: string,
  rootName: string,
  options: { contentsOnly: boolean; keepOwners: boolean },
): NodeJS.ReadableStream {
  const pack = tar.pack();
  const add = async (file: string, name: string): Promise<void> => {
    const st = await lstat(file);
    const header = {
      name,
      mode: st.mode & 0o7777,
      mtime: st.mtime,
      uid: options.keepOwners ? st.uid : 0,
      gid: options.keepOwners ? st.gid : 0,
    };
    if (st.isSymbolicLink()) {
      pack.entry({ ...header, type: 'symlink', linkname: await readlink(file) });
    } else if (st.isDirectory()) {
      if (name !== '') pack.entry({ ...header, name: `${name}/`, type: 'directory' });
      const children = (await readdir(file)).sort();
      for (const child of children)
        await add(path.join(file, child), name === '' ? child : `${name}/${child}`);
    } else if (st.isFile()) {
      const entry = pack.entry({ ...header, type: 'file', size: st.size });
      await pipeline(createReadStream(file), entry);
    }
  };
  add(source, options.contentsOnly ? '' : rootName).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  // tar-stream's streamx Pack pipes like a Node readable.
  return pack as unknown as NodeJS.ReadableStream;
}

/** Resolves an archive entry name under `base`, refusing absolute names and `..` that would leave it. */
function confined(base: string, name: string): string {
  const target = path.resolve(base, name);
  if (target !== base && !target.startsWith(`${base}${path.sep}`)) {
    throw new UsageError(`refusing archive entry ${JSON.stringify(name)}: it points outside ${base}`, 1);
  }
  return target;
}

/**
 * Extracts a `GET /archive` tar into `base`: the root entry (`rootEntry`) is renamed to
 * `rename`, or dropped with `contentsOnly` (its children land in `base`). Entries are confined to
 * `base`; device nodes and other special files are skipped.
 */
export async function extractTo(
  source: Readable,
  base: string,
  options: { rootEntry: string; rename: string; contentsOnly: boolean },
): Promise<void> {
  const extract = tar.extract();
  const dirTimes: [string, Date][] = [];
  const done = pipeline(source, extract);
  // On a refused entry the loop throws first; the pipeline then ends as a premature close.
  done.catch(() => {});
  for await (const entry of extract) {
    const header = entry.header;
    const parts = header.name
      .replace(/^\.\//, '')
      .split('/')
      .filter((p) => p !== '' && p !== '.');
    if (parts[0] === options.rootEntry) parts.shift();
    else if (parts.length > 0 && !options.contentsOnly) parts.shift();
    const relative = options.contentsOnly ? parts.join('/') : [options.rename, ...parts].join('/');
    if (relative === '') {
      entry.resume();
      continue;
    }
    const target = confined(base, relative);
    const mode = (header.mode ?? 0o644) & 0o7777;
    switch (header.type) {
      case 'directory':
        await mkdir(target, { recursive: true, mode });
        if (header.mtime) dirTimes.push([target, header.mtime]);
        entry.resume();
        break;
      case 'file':
      case 'contiguous-file':
        await mkdir(path.dirname(target), { recursive: true });
        await rm(target, { force: true });
        await pipeline(entry, createWriteStream(target, { mode }));
        if (header.mtime) await utimes(target, header.mtime, header.mtime);
        break;
      case 'symlink':
        await mkdir(path.dirname(target), { recursive: true });
        await rm(target, { force: true });
        await symlink(header.linkname ?? '', target);
        entry.resume();
        break;
      case 'link': {
        const linkParts = (header.linkname ?? '').split('/').filter((p) => p !== '' && p !== '.');
        if (linkParts[0] === options.rootEntry) linkParts.shift();
        const from = confined(
          base,
          options.contentsOnly ? linkParts.join('/') : [options.rename, ...linkParts].join('/'),
        );
        await rm(target, { force: true });
        await link(from, target);
        entry.resume();
        break;
      }
      default:
        entry.resume();
    }
  }
  await done;
  for (const [dir, time] of dirTimes.reverse()) await utimes(dir, time, time).catch(() => {});
}
