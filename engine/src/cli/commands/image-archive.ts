import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { CliContext } from '../cli-context.js';
import { splitRepoTag } from '../image-name.js';
import { readProgress } from '../image-pull.js';
import { out } from '../output.js';
import { UsageError } from '../units.js';

function source(file: string) {
  return file === '-' ? process.stdin : createReadStream(file);
}

async function checkReadable(file: string): Promise<void> {
  if (file === '-') return;
  const { access } = await import('node:fs/promises');
  try {
    await access(file);
  } catch {
    throw new UsageError(`open ${file}: no such file or directory`, 1);
  }
}

/** `skiff import FILE|- [REPO[:TAG]]`: docker import semantics; prints the new image ID. */
export async function importImage(
  ctx: CliContext,
  file: string,
  ref: string | undefined,
  flags: { change: string[]; message?: string; platform?: string },
): Promise<number> {
  await checkReadable(file);
  await ctx.client.ping();
  const target = ref ? splitRepoTag(ref) : undefined;
  const res = await ctx.client.request('POST', '/images/create', {
    query: {
      fromSrc: '-',
      repo: target?.repo,
      tag: target?.tag,
      changes: flags.change,
      message: flags.message,
      platform: flags.platform,
    },
    headers: { 'Content-Type': 'application/x-tar' },
    body: source(file),
  });
  let id = '';
  await readProgress(res, (m) => {
    if (m.status?.startsWith('sha256:')) id = m.status;
  });
  out(`${id}\n`);
  return 0;
}

/** `skiff save -o FILE IMAGE…`: the docker save archive; written to a temp file and renamed, so a failure leaves no partial file. */
export async function saveImages(
  ctx: CliContext,
  refs: string[],
  flags: { output?: string },
): Promise<number> {
  if (!flags.output && process.stdout.isTTY) {
    throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
  }
  const res = await ctx.client.request('GET', '/images/get', { query: { names: refs } });
  if (!flags.output) {
    await pipeline(res, process.stdout, { end: false });
    return 0;
  }
  const tmp = `${flags.output}.skiff-tmp-${process.pid}`;
  try {
    await pipeline(res, createWriteStream(tmp, { mode: 0o644 }));
    if (!res.complete) throw new Error('the engine ended the archive early; nothing was written');
    await rename(tmp, flags.output);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return 0;
}

/** `skiff load -i FILE` (or stdin): prints `Loaded image: …` lines. */
export async function loadImages(
  ctx: CliContext,
  flags: { input?: string; quiet?: boolean },
): Promise<number> {
  const file = flags.input ?? '-';
  if (file === '-' && process.stdin.isTTY) {
    throw new UsageError(
      'requested load from stdin, but stdin is empty; use -i FILE or redirect a tar archive',
      1,
    );
  }
  await checkReadable(file);
  await ctx.client.ping();
  const res = await ctx.client.request('POST', '/images/load', {
    query: { quiet: flags.quiet ? 1 : undefined },
    headers: { 'Content-Type': 'application/x-tar' },
    body: source(file),
  });
  await readProgress(res, (m) => {
    if (m.stream && (!flags.quiet || m.stream.startsWith('Loaded'))) out(m.stream);
  });
  return 0;
}
