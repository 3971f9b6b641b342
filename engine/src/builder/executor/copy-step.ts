import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage, SkiffError } from '../../errors.js';
import { HostSpecialFiles, type SpecialFiles } from '../../layers/special-files.js';
import { resolveInRoot } from '../../os/resolve-in-root.js';
import { readUserDatabase } from '../../runtime/user-resolver.js';
import { hashSources } from '../cache/source-hash.js';
import { PatternMatcher } from '../context/pattern-matcher.js';
import type { AddInstruction, CopyInstruction, Resolved } from '../instruction.js';
import { DirectorySource } from '../source/directory-source.js';
import { EmptySource } from '../source/empty-source.js';
import { MemorySource } from '../source/memory-source.js';
import type { SourceTree } from '../source/source-tree.js';
import { extractArchive, openTarArchive } from './add-archive.js';
import { BuildStepError } from './build-errors.js';
import { ChownProblem, resolveChownIn } from './chown.js';
import {
  type CopyItem,
  CopySourceProblem,
  destinationIsDirectory,
  destinationPath,
  selectSources,
} from './copy-sources.js';
import { type CopyWrite, type Ownership, placeItems, writeItems } from './copy-writer.js';
import { DEFAULT_SHELL, nopTextSingle } from './history-text.js';
import { commitUpperDir, type LayerCommitDeps } from './layer-commit.js';
import { chainOf, runConfigOf, type StageImage, type StepCommit } from './stage-image.js';
import { type StepRootfsDeps, withStepRootfs } from './step-rootfs.js';
import type { UrlFetcher } from './url-fetcher.js';

type CopyLike = Resolved<CopyInstruction> | Resolved<AddInstruction>;

interface SelectedItem extends CopyItem {
  /** ADD: a local tar (maybe compressed) that is unpacked instead of copied. */
  archive?: boolean;
}

/** A COPY/ADD whose sources are selected and hashed, ready for the cache lookup. */
export interface PreparedCopy {
  items: SelectedItem[];
  /** `created_by`, which embeds the content hash: the cache key of the step. */
  createdBy: string;
  /** Removes downloads. */
  cleanup(): Promise<void>;
}

export interface CopyStepDeps extends LayerCommitDeps, StepRootfsDeps {
  scratchDir: string;
  fetcher?: UrlFetcher;
}

const URL_SOURCE = /^https?:\/\//i;

function fail(instruction: CopyLike, detail: string, cause?: unknown, code?: string): never {
  throw new BuildStepError(instruction.location, instruction.kind, detail, {
    cause,
    code: code ?? 'SKIFF_BUILD_SOURCE',
  });
}

/**
 * Selects and hashes the sources of a COPY/ADD (`tree` is the context, or the `--from` stage or
 * image): paths and wildcards, here-documents, and for ADD downloads of URLs and detection of
 * local archives. Errors name the source and why it cannot be used.
 */
export async function prepareCopy(
  deps: CopyStepDeps,
  instruction: CopyLike,
  tree: SourceTree,
  image: StageImage,
  options: { fromText?: string; now: Date; signal?: AbortSignal },
): Promise<PreparedCopy> {
  const downloads: string[] = [];
  const cleanup = async () => {
    for (const d of downloads) await rm(d, { recursive: true, force: true });
  };
  try {
    const items: SelectedItem[] = [];
    const heredocs = instruction.sources.flatMap((s) => (s.kind === 'heredoc' ? [s.heredoc] : []));
    if (heredocs.length > 0) {
      const memory = new MemorySource(
        'here-documents',
        heredocs.map((h) => ({
          name: h.name,
          content: Buffer.from(h.content),
          mode: 0o644,
          mtime: options.now,
        })),
      );
      for (const h of heredocs) {
        const entry = await memory.lstat(h.name);
        if (entry) items.push({ tree: memory, rel: h.name, entry, name: h.name });
      }
    }
    for (const source of instruction.sources) {
      if (source.kind !== 'path') continue;
      if (instruction.kind === 'ADD' && URL_SOURCE.test(source.path)) {
        const dir = path.join(deps.scratchDir, 'downloads', randomBytes(8).toString('hex'));
        downloads.push(dir);
        items.push(await download(deps, instruction, source.path, dir, options.signal));
        continue;
      }
      try {
        items.push(...(await selectSources(tree, source.path)));
      } catch (err: unknown) {
        if (err instanceof CopySourceProblem) fail(instruction, err.message, err);
        throw err;
      }
    }
    if (instruction.kind === 'ADD') {
      for (const item of items) {
        if (item.entry.kind !== 'file' || item.tree !== tree) continue;
        const tar = await openTarArchive(() => item.tree.open(item.rel));
        if (tar) {
          tar.destroy();
          item.archive = true;
        }
      }
    }
    const hash = await hashSources(items);
    const dest = destinationPath(instruction.dest, runConfigOf(image).WorkingDir);
    const shownDest = destinationIsDirectory(instruction.dest) && dest !== '/' ? `${dest}/` : dest;
    const flags = [
      options.fromText ? `--from=${options.fromText}` : '',
      instruction.chown !== undefined ? `--chown=${instruction.chown}` : '',
      instruction.chmod !== undefined ? `--chmod=${instruction.chmod}` : '',
      ...instruction.exclude.map((e) => `--exclude=${e}`),
    ]
      .filter((f) => f !== '')
      .map((f) => `${f} `)
      .join('');
    const shell = runConfigOf(image).Shell ?? DEFAULT_SHELL;
    const createdBy = nopTextSingle(shell, `${instruction.kind} ${flags}${hash} in ${shownDest} `);
    return { items, createdBy, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Carries out a prepared COPY/ADD on an overlay of the current layers; the upper dir is the layer. */
export async function executeCopy(
  deps: CopyStepDeps,
  instruction: CopyLike,
  prepared: PreparedCopy,
  image: StageImage,
  now: Date,
): Promise<StepCommit> {
  const specialFiles: SpecialFiles = deps.specialFiles ?? new HostSpecialFiles();
  const config = runConfigOf(image);
  const id = randomBytes(32).toString('hex');
  const parent = image.layers[image.layers.length - 1]?.chainId;
  const excluded = instruction.exclude.length > 0 ? new PatternMatcher(instruction.exclude) : undefined;
  const layer = await withStepRootfs(deps, id, chainOf(image), async (fs) => {
    try {
      let chown: Ownership | undefined;
      if (instruction.chown !== undefined) {
        const numeric = /^\d+(:\d+)?$/.test(instruction.chown);
        const db = numeric ? { passwd: undefined, group: undefined } : await readUserDatabase(fs.mountpoint);
        chown = resolveChownIn(db, instruction.chown);
      }
      const base: Omit<CopyWrite, 'items'> = {
        destination: destinationPath(instruction.dest, config.WorkingDir),
        written: instruction.dest,
        now,
        ...(chown ? { chown } : {}),
        ...(instruction.chmod !== undefined ? { chmod: Number.parseInt(instruction.chmod, 8) } : {}),
        ...(excluded ? { exclude: (rel: string) => excluded.matches(rel) } : {}),
      };
      const plain = prepared.items.filter((i) => !i.archive);
      const archives = prepared.items.filter((i) => i.archive);
      if (plain.length > 0) {
        const write = { ...base, items: plain };
        await writeItems(fs.mountpoint, write, await placeItems(fs.mountpoint, write), specialFiles);
      }
      if (archives.length > 0) {
        const dirWrite: CopyWrite = {
          ...base,
          written: base.destination.endsWith('/') ? base.destination : `${base.destination}/`,
          items: [{ tree: new EmptySource('archive'), rel: '', entry: dirEntry(), name: '' }],
        };
        await writeItems(fs.mountpoint, dirWrite, await placeItems(fs.mountpoint, dirWrite), specialFiles);
        const dir = await resolveInRoot(fs.mountpoint, base.destination);
        for (const item of archives) {
          const tar = await openTarArchive(() => item.tree.open(item.rel));
          if (!tar) throw new CopySourceProblem(`${item.rel} changed while the build read it`);
          await extractArchive(tar, dir, { specialFiles, ...(chown ? { chown } : {}) });
        }
      }
    } catch (err: unknown) {
      if (err instanceof CopySourceProblem || err instanceof ChownProblem)
        fail(instruction, err.message, err);
      if (err instanceof SkiffError && err.code === 'SKIFF_UNSAFE_ARCHIVE')
        fail(instruction, err.message, err, err.code);
      throw err;
    }
    // The upper dir is read while the overlay is still mounted (nothing writes to it any more);
    // unmounting is part of the release, off the critical path.
    return commitUpperDir(deps, fs.upperdir, parent);
  });
  return { runConfig: config, history: { created_by: prepared.createdBy }, ...(layer ? { layer } : {}) };
}

function dirEntry() {
  return { kind: 'directory' as const, mode: 0o755, size: 0, mtime: new Date(0), uid: 0, gid: 0 };
}

/**
 * ADD of a URL: downloaded (never unpacked) into a private directory, mode 600 and mtime from
 * `Last-Modified`, named after the URL's last path segment; `--checksum` is verified.
 */
async function download(
  deps: CopyStepDeps,
  instruction: CopyLike,
  url: string,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<CopyItem> {
  if (!deps.fetcher) fail(instruction, `cannot download ${url}: this engine has no HTTP client configured`);
  let name = '';
  try {
    name = decodeURIComponent(path.posix.basename(new URL(url).pathname));
  } catch {
    name = '';
  }
  if (destinationIsDirectory(instruction.dest) && (name === '' || name === '/' || name.includes('/'))) {
    fail(instruction, `cannot determine a file name from the URL ${url}: give the destination file name`);
  }
  if (name === '' || name.includes('/')) name = 'download';
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  let fetched: Awaited<ReturnType<UrlFetcher['fetch']>>;
  try {
    fetched = await (deps.fetcher as UrlFetcher).fetch(url, { signal });
    await pipeline(
      fetched.body,
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
      }),
      createWriteStream(file, { mode: 0o600 }),
    );
  } catch (err: unknown) {
    fail(instruction, errorMessage(err), err, 'SKIFF_BUILD_DOWNLOAD');
  }
  const digest = `sha256:${hash.digest('hex')}`;
  const checksum = instruction.kind === 'ADD' ? instruction.checksum : undefined;
  if (checksum !== undefined && checksum !== digest) {
    fail(
      instruction,
      `the checksum of ${url} is ${digest}, not ${checksum}`,
      undefined,
      'SKIFF_DIGEST_MISMATCH',
    );
  }
  await chmod(file, 0o600);
  const mtime = fetched.lastModified ?? new Date();
  await utimes(file, mtime, mtime);
  const tree = new DirectorySource(dir, { label: `download of ${url}`, linkScope: 'context' });
  const entry = await tree.lstat(name);
  if (!entry) fail(instruction, `the download of ${url} vanished`);
  return { tree, rel: name, entry, name };
}
