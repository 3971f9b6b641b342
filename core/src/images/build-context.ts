import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable as NodeReadable } from 'node:stream';
import { InvalidArgumentError, isErrno } from '../errors.js';

function componentRegex(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Whether exception pattern `pattern` could match a path under directory `dir` (both relative, `/`-separated). */
export function mayMatchBelow(pattern: string, dir: string): boolean {
  const p = pattern.split('/');
  const d = dir.split('/');
  for (let i = 0; i < d.length; i++) {
    const part = p[i];
    if (part === undefined) return false;
    if (part === '**') return true;
    if (!componentRegex(part).test(d[i] ?? '')) return false;
  }
  return p.length > d.length;
}

/**
 * Tars a build context, applying `.dockerignore` on the client side with Docker's semantics
 * (`@balena/dockerignore`, as the engine's CLI does). The Dockerfile and `.dockerignore` are always
 * sent (moby's client does the same; the daemon drops them later if they are ignored). Directories
 * are pruned whole unless an exception (`!pattern`) could match inside them.
 */
export async function packBuildContext(contextDir: string, dockerfile: string): Promise<NodeReadable> {
  const root = path.resolve(contextDir);
  const st = await stat(root).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) throw new InvalidArgumentError(`build context ${root} does not exist`);
    throw err;
  });
  if (!st.isDirectory()) throw new InvalidArgumentError(`build context ${root} is not a directory`);
  const dockerfilePath = path.resolve(root, dockerfile);
  await stat(dockerfilePath).catch(() => {
    throw new InvalidArgumentError(`Dockerfile ${dockerfilePath} does not exist`);
  });

  let patterns: string[] = [];
  try {
    patterns = (await readFile(path.join(root, '.dockerignore'), 'utf8'))
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith('#'));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const [ignoreModule, tarFs, { statSync }, { Readable }] = await Promise.all([
    import('@balena/dockerignore'),
    import('tar-fs'),
    import('node:fs'),
    import('node:stream'),
  ]);
  // A CommonJS module whose types declare `export default`: under NodeNext the function is `.default.default`.
  const dockerignore = ignoreModule.default.default;
  const ig = dockerignore({ ignorecase: false }).add(patterns);
  const exceptions = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1).replace(/^\/+/, ''));
  const alwaysKept = new Set([
    path.relative(root, dockerfilePath).split(path.sep).join('/'),
    '.dockerignore',
  ]);

  const pack = tarFs.pack(root, {
    ignore: (name: string) => {
      const rel = path.relative(root, name).split(path.sep).join('/');
      if (rel === '' || alwaysKept.has(rel)) return false;
      // The directories holding the Dockerfile are walked, whatever the patterns say.
      if ([...alwaysKept].some((kept) => kept.startsWith(`${rel}/`))) return false;
      if (!ig.ignores(rel)) return false;
      // An ignored directory is still walked when an exception could match inside it (moby does the same).
      return !(
        exceptions.length > 0 &&
        statSync(name).isDirectory() &&
        exceptions.some((e) => mayMatchBelow(e, rel))
      );
    },
    map: (header) => {
      header.uid = 0;
      header.gid = 0;
      return header;
    },
  });
  // tar-fs yields a streamx stream; the HTTP client wants a Node Readable.
  return Readable.from(pack as AsyncIterable<Buffer>);
}
