import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { errorMessage, InvalidArgumentError, isErrno } from '../../errors.js';
import { parseIgnoreFile } from './ignore-file.js';
import { cleanPath, PatternMatcher } from './pattern-matcher.js';

/**
 * Decides which files of a build context are sent. Paths are slash-separated and relative to the
 * context root. Semantics are Docker's (the CLI's `archive.TarWithOptions`): a path is left out
 * when the last `.dockerignore` pattern matching it or a parent says so; an excluded directory is
 * still entered when some `!exception` is written *under that directory's path* (a literal prefix:
 * `!logs/keep/**` re-opens `logs`, `!**\/keep` does not); the Dockerfile and the ignore file are
 * always sent.
 */
export interface ContextFilter {
  /** The effective patterns: the ignore file's, plus the exceptions added for the Dockerfile and ignore file. */
  readonly patterns: readonly string[];
  /** The ignore file that was read (absolute), if there was one. */
  readonly ignoreFile?: string;
  /** Whether the entry (file, link or directory) at `relPath` is sent. */
  includes(relPath: string): boolean;
  /** For a directory: whether a walk must enter it (it is sent, or an exception may re-include something in it). */
  mustWalk(relDir: string): boolean;
}

/** Builds a filter from patterns (already parsed with `parseIgnoreFile`). Throws on invalid patterns. */
export function contextFilterFromPatterns(patterns: readonly string[], ignoreFile?: string): ContextFilter {
  const matcher = compileMatcher(patterns, ignoreFile);
  const walkCache = new Map<string, boolean>();
  const exceptionPrefixes = matcher.patterns.filter((p) => p.exclusion).map((p) => `${p.pattern}/`);

  const walkable = (dir: string): boolean => {
    if (dir === '.') return true;
    let known = walkCache.get(dir);
    if (known === undefined) {
      const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '.';
      known =
        walkable(parent) &&
        (!matcher.matches(dir) || exceptionPrefixes.some((prefix) => prefix.startsWith(`${dir}/`)));
      walkCache.set(dir, known);
    }
    return known;
  };

  const filter: ContextFilter = {
    patterns,
    includes(relPath) {
      const path = cleanPath(relPath);
      if (path === '.') return true;
      const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
      return walkable(parent) && !matcher.matches(path);
    },
    mustWalk(relDir) {
      return walkable(cleanPath(relDir));
    },
  };
  return ignoreFile === undefined ? filter : { ...filter, ignoreFile };
}

/**
 * Reads the context's ignore file and returns its filter. The ignore file is
 * `<Dockerfile>.dockerignore` beside the Dockerfile when it exists (BuildKit's per-Dockerfile
 * ignore file), else `.dockerignore` at the context root; no file means everything is sent.
 * `dockerfilePath` is absolute or relative to `contextDir`; a Dockerfile outside the context is
 * sent separately by the client, so it needs no exception.
 */
export async function createContextFilter(
  contextDir: string,
  dockerfilePath = 'Dockerfile',
): Promise<ContextFilter> {
  const root = resolve(contextDir);
  const dockerfile = resolve(root, dockerfilePath);
  let ignoreFile: string | undefined;
  let text: string | undefined;
  for (const candidate of [`${dockerfile}.dockerignore`, resolve(root, '.dockerignore')]) {
    try {
      text = await readFile(candidate, 'utf8');
      ignoreFile = candidate;
      break;
    } catch (err: unknown) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
  }
  if (text === undefined || ignoreFile === undefined) return contextFilterFromPatterns([]);
  const patterns = parseIgnoreFile(text);
  const probe = compileMatcher(patterns, ignoreFile);
  // Docker's TrimBuildFilesFromExcludes: the build files are sent even when a pattern excludes them.
  for (const file of [ignoreFile, dockerfile]) {
    const rel = insideContext(root, file);
    if (rel !== undefined && probe.matches(rel)) patterns.push(`!${rel}`);
  }
  return contextFilterFromPatterns(patterns, ignoreFile);
}

function compileMatcher(patterns: readonly string[], ignoreFile: string | undefined): PatternMatcher {
  try {
    return new PatternMatcher(patterns);
  } catch (err: unknown) {
    throw new InvalidArgumentError(`${ignoreFile ?? '.dockerignore'}: ${errorMessage(err)}`, { cause: err });
  }
}

function insideContext(root: string, file: string): string | undefined {
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}
