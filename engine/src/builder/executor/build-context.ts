import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { errorMessage, InvalidArgumentError, isErrno } from '../../errors.js';
import type { StatCache } from '../cache/stat-cache.js';
import { createContextFilter } from '../context/context-filter.js';
import { parseIgnoreFile } from '../context/ignore-file.js';
import { PatternMatcher } from '../context/pattern-matcher.js';
import { DirectorySource } from '../source/directory-source.js';
import { TarContext } from '../source/tar-context.js';
import type { BuildContext } from './build-types.js';

/** Dockerfiles larger than this are refused (a hostile context could claim gigabytes). */
const MAX_DOCKERFILE_BYTES = 16 * 1024 * 1024;

export const IGNORE_FILE = '.dockerignore';

/**
 * What the daemon drops from a context (moby `removeDockerfile`): the Dockerfile and the ignore
 * file are always sent by the client, and removed again when `.dockerignore` excludes them.
 */
export function hiddenBuildFiles(ignoreText: string | undefined, dockerfile: string): string[] {
  if (ignoreText === undefined) return [];
  let matcher: PatternMatcher;
  try {
    matcher = new PatternMatcher(parseIgnoreFile(ignoreText));
  } catch (err: unknown) {
    throw new InvalidArgumentError(`${IGNORE_FILE}: ${errorMessage(err)}`, { cause: err });
  }
  return [dockerfile, IGNORE_FILE].filter((f) => matcher.matches(f));
}

function cannotLocate(name: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `Cannot locate specified Dockerfile: ${name} (it is not a file of the build context)`,
  );
}

/**
 * A context received as a tar (`POST /build`), plain or compressed by the client. The Dockerfile is
 * `dockerfile` inside it (default `Dockerfile`, then `dockerfile`); it and `.dockerignore` are
 * hidden from COPY when `.dockerignore` excludes them.
 */
export async function receiveBuildContext(
  body: Readable,
  options: { spoolDir: string; dockerfile?: string; signal?: AbortSignal },
): Promise<BuildContext> {
  const tar = await TarContext.receive(body, {
    spoolDir: options.spoolDir,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    const wanted = options.dockerfile
      ? path.posix.normalize(options.dockerfile).replace(/^(\.\/|\/)+/, '')
      : undefined;
    const candidates = wanted ? [wanted] : ['Dockerfile', 'dockerfile'];
    let name: string | undefined;
    let text: string | undefined;
    for (const c of candidates) {
      text = await tar.readText(c, MAX_DOCKERFILE_BYTES);
      if (text !== undefined) {
        name = c;
        break;
      }
    }
    if (text === undefined || name === undefined) throw cannotLocate(wanted ?? 'Dockerfile');
    for (const hidden of hiddenBuildFiles(await tar.readText(IGNORE_FILE, MAX_DOCKERFILE_BYTES), name)) {
      tar.hide(hidden);
    }
    return { tree: tar, dockerfile: { text, name }, close: () => tar.close() };
  } catch (err) {
    await tar.close();
    throw err;
  }
}

export interface DirectoryContextOptions {
  /** The Dockerfile: a path (relative to the context, or absolute: outside it) or its text (`-f -`). */
  dockerfile?: string | { text: string; name?: string };
  /** Remembers file digests between builds of this directory. */
  statCache?: StatCache;
}

/**
 * A context that is a directory on this machine (in-process builds and tests): `.dockerignore`
 * is applied as the docker CLI and daemon together apply it, and file digests come from the stat
 * cache when the files are unchanged.
 */
export async function openDirectoryContext(
  dir: string,
  options: DirectoryContextOptions = {},
): Promise<BuildContext> {
  const root = path.resolve(dir);
  const st = await stat(root).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) throw new InvalidArgumentError(`the build context ${root} does not exist`);
    throw err;
  });
  if (!st.isDirectory()) throw new InvalidArgumentError(`the build context ${root} is not a directory`);
  let text: string | undefined;
  let name: string;
  let dockerfilePath: string | undefined;
  if (typeof options.dockerfile === 'object') {
    text = options.dockerfile.text;
    name = options.dockerfile.name ?? 'Dockerfile';
  } else {
    const candidates = options.dockerfile ? [options.dockerfile] : ['Dockerfile', 'dockerfile'];
    name = candidates[0] as string;
    for (const c of candidates) {
      try {
        text = await readFile(path.resolve(root, c), 'utf8');
        name = c;
        dockerfilePath = path.resolve(root, c);
        break;
      } catch (err: unknown) {
        if (!isErrno(err, 'ENOENT') && !isErrno(err, 'EISDIR')) throw err;
      }
    }
    if (text === undefined) throw cannotLocate(name);
  }
  const filter = await createContextFilter(root, dockerfilePath ?? path.join(root, 'Dockerfile'));
  const ignoreText = filter.ignoreFile ? await readFile(filter.ignoreFile, 'utf8') : undefined;
  const rel = dockerfilePath ? path.relative(root, dockerfilePath).split(path.sep).join('/') : '';
  const hidden = new Set(hiddenBuildFiles(ignoreText, rel === '' || rel.startsWith('..') ? '\0' : rel));
  const statSession = options.statCache?.session();
  const filtered = filter.patterns.length > 0 || hidden.size > 0;
  const tree = new DirectorySource(root, {
    label: 'build context',
    linkScope: 'context',
    ...(filtered
      ? {
          filter: {
            patterns: filter.patterns,
            includes: (p: string) => !hidden.has(p) && filter.includes(p),
            mustWalk: (p: string) => filter.mustWalk(p),
          },
        }
      : {}),
    ...(statSession ? { statCache: statSession } : {}),
  });
  return {
    tree,
    dockerfile: { text, name },
    close: async () => {
      await statSession?.flush();
    },
  };
}
