import { posix } from 'node:path';
import { compileGlob } from '../context/glob-matcher.js';
import { globSyntaxProblem } from '../context/pattern-matcher.js';
import { resolveSourcePath } from '../source/resolve-source-path.js';
import { baseSource, joinSource, type SourceEntry, type SourceTree } from '../source/source-tree.js';

/** One thing COPY or ADD copies: a resolved path of a tree. */
export interface CopyItem {
  tree: SourceTree;
  /** The resolved path in the tree (symlinks on the way followed). */
  rel: string;
  /** A directory (its contents are copied), a file, or a symlink pointing out of the context. */
  entry: SourceEntry;
  /** The name a file gets in a destination directory: the last component of the path as written. */
  name: string;
}

/** A source could not be selected; the message says which and why. */
export class CopySourceProblem extends Error {}

const WILDCARD = /(^|[^\\])[*?[]/;

/** Go's filepath.Match has no `**`: consecutive stars are one star. */
function matchComponent(pattern: string): (name: string) => boolean {
  const collapsed = pattern.replace(/\*{2,}/g, '*');
  const problem = globSyntaxProblem(collapsed);
  if (problem !== undefined)
    throw new CopySourceProblem(`bad pattern ${JSON.stringify(pattern)}: ${problem}`);
  return compileGlob(collapsed);
}

function unescapeGlob(component: string): string {
  return component.replace(/\\(.)/g, '$1');
}

/**
 * The source path cleaned as Docker cleans it, relative to the tree's root. In a build context a
 * path climbing above the root is refused (Docker silently clamps it, which hides mistakes); in a
 * root filesystem `..` stops at `/` as it would in the container.
 */
export function cleanSourcePath(tree: SourceTree, raw: string): string {
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) {
        if (tree.linkScope === 'context') {
          throw new CopySourceProblem(
            `${JSON.stringify(raw)} is outside the ${tree.label}: sources are paths inside it and cannot climb out with ".."`,
          );
        }
        continue;
      }
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** Paths of the tree matching a Go filepath.Match pattern, component by component, sorted. */
async function expandWildcards(tree: SourceTree, pattern: string): Promise<string[]> {
  let current = [''];
  const components = pattern.split('/');
  for (let i = 0; i < components.length; i++) {
    const component = components[i] as string;
    const last = i === components.length - 1;
    const next: string[] = [];
    const wild = WILDCARD.test(component);
    const matches = wild ? matchComponent(component) : undefined;
    for (const dir of current) {
      if (matches === undefined) {
        const rel = joinSource(dir, unescapeGlob(component));
        const entry = await tree.lstat(rel);
        if (entry && (last || entry.kind === 'directory')) next.push(rel);
        continue;
      }
      const dirEntry = await tree.lstat(dir);
      if (dirEntry?.kind !== 'directory') continue;
      for (const name of await tree.readdir(dir)) {
        if (!matches(name)) continue;
        const rel = joinSource(dir, name);
        if (!last && (await tree.lstat(rel))?.kind !== 'directory') continue;
        next.push(rel);
      }
    }
    current = next;
  }
  return current.sort();
}

/**
 * Selects what one COPY/ADD source names: wildcards (Go filepath.Match, per path component) are
 * expanded; each path is resolved with symlinks followed inside the tree. A symlink of the
 * context pointing outside it is selected as the link itself.
 */
export async function selectSources(tree: SourceTree, raw: string): Promise<CopyItem[]> {
  const clean = cleanSourcePath(tree, raw);
  const where = tree.label;
  const paths = WILDCARD.test(clean) ? await expandWildcards(tree, clean) : [unescapeLiteral(clean)];
  if (paths.length === 0) {
    throw new CopySourceProblem(`no file in the ${where} matches ${JSON.stringify(raw)}`);
  }
  const items: CopyItem[] = [];
  for (const rel of paths) {
    const resolved = await resolveSourcePath(tree, rel);
    if (!resolved.found) {
      switch (resolved.reason) {
        case 'missing':
          throw new CopySourceProblem(
            tree.linkScope === 'context'
              ? `${JSON.stringify(raw)} not found in the ${where}${resolved.at !== rel ? ` (${JSON.stringify(resolved.at)} does not exist)` : ''}; is it excluded by .dockerignore?`
              : `${JSON.stringify(raw)} not found in the ${where}${resolved.at !== rel ? ` (/${resolved.at} does not exist)` : ''}`,
          );
        case 'outside':
          throw new CopySourceProblem(
            `${JSON.stringify(raw)} goes through the symlink ${resolved.at} -> ${resolved.target}, which points outside the ${where}`,
          );
        case 'not-a-directory':
          throw new CopySourceProblem(`${JSON.stringify(raw)}: ${resolved.at} is not a directory`);
        case 'loop':
          throw new CopySourceProblem(
            `${JSON.stringify(raw)}: too many levels of symbolic links at ${resolved.at}`,
          );
      }
    }
    const name = rel === '' ? '' : baseSource(rel);
    if (name.startsWith('.wh.')) {
      throw new CopySourceProblem(
        `${JSON.stringify(raw)}: names starting with .wh. are layer whiteout markers and cannot be copied`,
      );
    }
    items.push({ tree, rel: resolved.rel, entry: resolved.entry, name });
  }
  return items;
}

function unescapeLiteral(rel: string): string {
  return rel.includes('\\') ? rel.split('/').map(unescapeGlob).join('/') : rel;
}

/** The destination's absolute path in the image: relative ones are under WORKDIR. */
export function destinationPath(dest: string, workdir: string | undefined): string {
  const abs = posix.resolve(workdir || '/', dest);
  return abs;
}

/** Docker's rule: a destination ending in `/` (or `.`) is a directory. */
export function destinationIsDirectory(dest: string): boolean {
  return dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
}
