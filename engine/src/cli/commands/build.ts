import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { createContextFilter } from '../../builder/context/context-filter.js';
import { walkContext } from '../../builder/context/walk-context.js';
import type { CliContext } from '../cli-context.js';
import { progressPrinter, readProgress, StreamError } from '../image-pull.js';
import { err, out } from '../output.js';
import { UsageError } from '../units.js';

export interface BuildFlags {
  tag: string[];
  buildArg: string[];
  label: string[];
  target?: string;
  file?: string;
  cache: boolean;
  pull?: boolean;
  quiet?: boolean;
  network?: string;
  platform?: string;
}

/** `KEY=VALUE`, or `KEY` alone: the value comes from this environment, and the arg is left out when unset. */
export function buildArgs(
  flags: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq === 0) throw new UsageError(`invalid --build-arg ${JSON.stringify(flag)}: the name is empty`, 1);
    if (eq > 0) out[flag.slice(0, eq)] = flag.slice(eq + 1);
    else if (env[flag] !== undefined) out[flag] = env[flag] as string;
  }
  return out;
}

function labels(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    out[eq < 0 ? flag : flag.slice(0, eq)] = eq < 0 ? '' : flag.slice(eq + 1);
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Files up to this size are read in one call. */
const SMALL_FILE = 1 << 20;

export interface PackedContext {
  tar: Readable;
  /** The Dockerfile's name inside the tar. */
  dockerfile: string;
  /** Bytes packed so far (final once `tar` ended). */
  bytes(): number;
}

/**
 * The context as the docker CLI sends it: `.dockerignore` applied here (the Dockerfile and the
 * ignore file are always sent), owners 0:0, symlinks as links. A Dockerfile outside the context
 * or from stdin is added under a random name, which is appended to the sent `.dockerignore` with
 * `.dockerignore` itself, so the engine drops both from what COPY sees (the CLI's own trick).
 */
export async function packContext(
  contextDir: string,
  dockerfile: string | undefined,
): Promise<PackedContext> {
  const root = path.resolve(contextDir);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory())
    throw new UsageError(
      `unable to prepare context: path ${JSON.stringify(contextDir)} not found or not a directory`,
      1,
    );
  let injected: { name: string; text: string } | undefined;
  let dockerfileRel: string;
  if (dockerfile === '-') {
    injected = { name: `.dockerfile.${randomBytes(10).toString('hex')}`, text: await readStdin() };
    dockerfileRel = injected.name;
  } else {
    const abs = dockerfile ? path.resolve(dockerfile) : path.join(root, 'Dockerfile');
    const rel = path.relative(root, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      const text = await readFile(abs, 'utf8').catch(() => {
        throw new UsageError(`unable to prepare context: the Dockerfile ${abs} cannot be read`, 1);
      });
      injected = { name: `.dockerfile.${randomBytes(10).toString('hex')}`, text };
      dockerfileRel = injected.name;
    } else {
      dockerfileRel = rel.split(path.sep).join('/');
      const found = await stat(abs).catch(() => undefined);
      if (!found?.isFile() && !dockerfile) {
        const lower = await stat(path.join(root, 'dockerfile')).catch(() => undefined);
        if (lower?.isFile()) dockerfileRel = 'dockerfile';
        else throw new UsageError(`unable to prepare context: cannot find ${abs}`, 1);
      } else if (!found?.isFile()) {
        throw new UsageError(`unable to prepare context: cannot find ${abs}`, 1);
      }
    }
  }
  const filter = await createContextFilter(root, injected ? path.join(root, 'Dockerfile') : dockerfileRel);
  const tar = pack();
  let bytes = 0;
  const add = (header: Parameters<typeof tar.entry>[0], body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      tar.entry(header, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve()));
    });
  const fill = async () => {
    let ignoreText: string | undefined;
    for await (const entry of walkContext(root, filter)) {
      const s = entry.stats;
      const base = { name: entry.relPath, mode: s.mode & 0o7777, mtime: s.mtime, uid: 0, gid: 0 };
      if (s.isDirectory()) await add({ ...base, type: 'directory' });
      else if (s.isSymbolicLink())
        await add({ ...base, type: 'symlink', linkname: await readlink(entry.absPath) });
      else if (s.isFile()) {
        if (injected && entry.relPath === '.dockerignore') {
          ignoreText = await readFile(entry.absPath, 'utf8');
          continue;
        }
        if (s.size <= SMALL_FILE) {
          // One synchronous read: opening a stream per file costs more than reading it.
          const body = readFileSync(entry.absPath);
          if (body.length !== s.size)
            throw new Error(`${entry.absPath} changed while the context was packed`);
          bytes += body.length;
          await add({ ...base, type: 'file', size: s.size }, body);
          continue;
        }
        let settle: (e?: Error | null) => void = () => {};
        const written = new Promise<void>((resolve, reject) => {
          settle = (e) => (e ? reject(e) : resolve());
        });
        const sink = tar.entry({ ...base, type: 'file', size: s.size }, (e) => settle(e));
        for await (const chunk of createReadStream(entry.absPath, { end: s.size - 1 })) {
          bytes += (chunk as Buffer).length;
          if (!sink.write(chunk as Buffer)) await new Promise<void>((r) => sink.once('drain', () => r()));
        }
        sink.end(undefined);
        await written;
      }
    }
    if (injected) {
      const now = new Date();
      const ignore = `${ignoreText ?? ''}\n${injected.name}\n.dockerignore\n`;
      await add(
        { name: '.dockerignore', type: 'file', mode: 0o644, mtime: now, uid: 0, gid: 0 },
        Buffer.from(ignore),
      );
      const body = Buffer.from(injected.text);
      bytes += body.length;
      await add({ name: injected.name, type: 'file', mode: 0o600, mtime: now, uid: 0, gid: 0 }, body);
    }
    tar.finalize();
  };
  fill().catch((e: unknown) => tar.destroy(e instanceof Error ? e : new Error(String(e))));
  return {
    tar: Readable.from(tar as AsyncIterable<Buffer>),
    dockerfile: dockerfileRel,
    bytes: () => bytes,
  };
}

function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(2)}${units[i]}`;
}

const BOLD = (s: string) => `\u001b[1m${s}\u001b[0m`;

/**
 * `skiff build -t NAME [-t …] [--build-arg K=V] [--target T] [-f FILE|-] [--no-cache] [--pull] [-q] PATH`:
 * packs the context, sends it to `POST /build` and prints the step log (plain lines when stdout is
 * not a terminal). Exits with the failing RUN's exit code, as docker does.
 */
export async function build(ctx: CliContext, contextDir: string, flags: BuildFlags): Promise<number> {
  const context = await packContext(contextDir, flags.file);
  await ctx.client.ping();
  const tty = process.stdout.isTTY === true && !flags.quiet;
  const res = await ctx.client.request('POST', '/build', {
    query: {
      t: flags.tag,
      dockerfile: context.dockerfile,
      buildargs: JSON.stringify(buildArgs(flags.buildArg)),
      labels: flags.label.length > 0 ? JSON.stringify(labels(flags.label)) : undefined,
      target: flags.target,
      nocache: flags.cache ? undefined : 1,
      pull: flags.pull ? 1 : undefined,
      q: flags.quiet ? 1 : undefined,
      networkmode: flags.network,
      platform: flags.platform,
      rm: 1,
      version: 1,
    },
    headers: { 'Content-Type': 'application/x-tar' },
    body: context.tar,
  });
  if (!flags.quiet) out(`Sending build context to Skiff engine  ${humanBytes(context.bytes())}\n`);
  let id = '';
  const print = progressPrinter((s) => out(tty && s.startsWith('Step ') ? BOLD(s) : s));
  try {
    await readProgress(res, (m) => {
      const aux = m.aux as { ID?: unknown } | undefined;
      if (typeof aux?.ID === 'string') id = aux.ID;
      if (!flags.quiet) print(m);
    });
  } catch (e: unknown) {
    if (e instanceof StreamError) {
      err(e.message);
      return e.code && e.code > 0 ? e.code : 1;
    }
    throw e;
  }
  if (flags.quiet) out(`${id}\n`);
  return 0;
}
