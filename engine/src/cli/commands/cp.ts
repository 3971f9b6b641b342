import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PathStat } from '../../containers/container-service.js';
import type { CliContext } from '../cli-context.js';
import { EngineApiError } from '../engine-client.js';
import { extractTo, packPath } from '../tar-copy.js';
import { UsageError } from '../units.js';

const GO_MODE_DIR = 2 ** 31;

function isDirMode(mode: number): boolean {
  return Math.floor(mode / GO_MODE_DIR) % 2 === 1;
}

/** `CONTAINER:PATH` → its parts; a local path (containing no `:` before the first `/`) → undefined. */
export function splitCpArg(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

function decodeStat(header: string | string[] | undefined): PathStat {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) throw new Error('the engine sent no X-Docker-Container-Path-Stat header');
  return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as PathStat;
}

async function localStat(p: string) {
  try {
    return await lstat(p);
  } catch {
    return undefined;
  }
}

/** `skiff cp`: either direction, `-` for a tar on stdin/stdout, with docker cp's destination rules. */
export async function cp(
  ctx: CliContext,
  src: string,
  dest: string,
  flags: { archive?: boolean; quiet?: boolean },
): Promise<number> {
  const from = splitCpArg(src);
  const to = splitCpArg(dest);
  if (from && to) throw new UsageError('copying between containers is not supported', 1);
  if (!from && !to) throw new UsageError('must specify at least one container source (CONTAINER:PATH)', 1);
  if (from) return copyOut(ctx, from.container, from.path, dest);
  return copyIn(ctx, src, to?.container ?? '', to?.path ?? '', flags.archive ?? false);
}

async function copyOut(ctx: CliContext, container: string, srcPath: string, dest: string): Promise<number> {
  const res = await ctx.client.request('GET', `/containers/${container}/archive`, {
    query: { path: srcPath },
  });
  if (dest === '-') {
    await pipeline(res, process.stdout, { end: false });
    return 0;
  }
  const stat = decodeStat(res.headers['x-docker-container-path-stat']);
  const srcIsDir = isDirMode(stat.mode);
  const contentsOnly = srcIsDir && (srcPath.endsWith('/.') || srcPath === '.');
  const destStat = await localStat(dest);
  let base: string;
  let rename: string;
  if (destStat?.isDirectory()) {
    base = path.resolve(dest);
    rename = stat.name;
    if (contentsOnly) base = path.resolve(dest);
  } else if (destStat) {
    if (srcIsDir) {
      res.destroy();
      throw new UsageError(`cannot copy a directory to a file: ${dest}`, 1);
    }
    base = path.resolve(path.dirname(dest));
    rename = path.basename(dest);
  } else {
    if (!srcIsDir && dest.endsWith('/')) {
      res.destroy();
      throw new UsageError(`destination directory ${dest} does not exist`, 1);
    }
    const parent = await localStat(path.dirname(path.resolve(dest)));
    if (!parent?.isDirectory()) {
      res.destroy();
      throw new UsageError(`no such directory: ${path.dirname(dest)}`, 1);
    }
    base = path.resolve(path.dirname(dest));
    rename = path.basename(dest);
    if (contentsOnly) {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(path.resolve(dest));
      base = path.resolve(dest);
    }
  }
  await extractTo(res, base, { rootEntry: stat.name, rename, contentsOnly });
  return 0;
}

async function copyIn(
  ctx: CliContext,
  src: string,
  container: string,
  destPath: string,
  keepOwners: boolean,
): Promise<number> {
  const put = (dir: string, body: NodeJS.ReadableStream) =>
    ctx.client.call('PUT', `/containers/${container}/archive`, {
      query: { path: dir, noOverwriteDirNonDir: 'true', copyUIDGID: keepOwners ? 'true' : undefined },
      headers: { 'Content-Type': 'application/x-tar' },
      body,
    });
  await ctx.client.ping();
  if (src === '-') {
    await put(destPath, process.stdin);
    return 0;
  }
  const srcStat = await localStat(src);
  if (!srcStat) throw new UsageError(`lstat ${src}: no such file or directory`, 1);
  const contentsOnly = srcStat.isDirectory() && (src.endsWith('/.') || src === '.');
  let dir = destPath;
  let rootName = path.basename(path.resolve(src));
  try {
    const res = await ctx.client.request('HEAD', `/containers/${container}/archive`, {
      query: { path: destPath },
    });
    res.resume();
    const destStat = decodeStat(res.headers['x-docker-container-path-stat']);
    if (!isDirMode(destStat.mode)) {
      if (srcStat.isDirectory()) throw new UsageError(`cannot copy a directory to a file: ${destPath}`, 1);
      dir = path.posix.dirname(destPath);
      rootName = path.posix.basename(destPath);
    }
  } catch (e) {
    if (!(e instanceof EngineApiError) || e.status !== 404) throw e;
    if (destPath.endsWith('/') && !srcStat.isDirectory()) {
      throw new UsageError(`destination directory ${destPath} does not exist in the container`, 1);
    }
    dir = path.posix.dirname(destPath);
    rootName = path.posix.basename(destPath);
    if (contentsOnly)
      throw new UsageError(`destination directory ${destPath} does not exist in the container`, 1);
  }
  await put(dir, packPath(src, rootName, { contentsOnly, keepOwners }));
  return 0;
}
