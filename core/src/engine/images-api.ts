import type { Readable } from 'node:stream';
import { EngineApiError } from '../errors.js';
import type { EngineClient, Query } from './engine-client.js';
import { readProgress } from './progress-stream.js';
import type { WireImageInspect, WireImageSummary, WireProgressLine } from './wire-types.js';

/** `undefined` when the engine has no such image. The name goes unencoded, as moby routes `{name:.*}`. */
export async function inspectImage(
  client: EngineClient,
  name: string,
): Promise<WireImageInspect | undefined> {
  try {
    return await client.json<WireImageInspect>('GET', `/images/${name}/json`);
  } catch (err) {
    if (err instanceof EngineApiError && err.statusCode === 404) return undefined;
    throw err;
  }
}

/** Splits `repo:tag` / `repo@digest` the way the create endpoint wants them. */
export function splitReference(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

/** Pulls; returns the in-band error text, if any, and the progress lines. */
export async function pullImage(
  client: EngineClient,
  ref: string,
  options: { platform?: string; auth?: string; signal?: AbortSignal } = {},
): Promise<{ error: string | undefined; lines: WireProgressLine[] }> {
  const res = await client.raw('POST', '/images/create', {
    query: { ...splitReference(ref), platform: options.platform },
    headers: options.auth ? { 'x-registry-auth': options.auth } : {},
    signal: options.signal,
  });
  return readProgress(res.body);
}

/** `docker import`: a root filesystem tar becomes an image (`changes` are Dockerfile lines). */
export async function importImage(
  client: EngineClient,
  tar: Buffer | Readable,
  ref: string,
  changes: string[] = [],
): Promise<string | undefined> {
  const { fromImage, tag } = splitReference(ref);
  const res = await client.raw('POST', '/images/create', {
    query: { fromSrc: '-', repo: fromImage, tag, changes },
    body: tar,
    contentType: 'application/x-tar',
  });
  const { error } = await readProgress(res.body);
  return error;
}

export async function buildImage(
  client: EngineClient,
  context: Readable,
  query: Query,
  onLine: (line: WireProgressLine) => void,
  signal?: AbortSignal,
): Promise<{ error: string | undefined; lines: WireProgressLine[] }> {
  const res = await client.raw('POST', '/build', {
    query,
    body: context,
    contentType: 'application/x-tar',
    signal,
  });
  return readProgress(res.body, onLine);
}

export async function listImages(
  client: EngineClient,
  filters: Record<string, string[]>,
): Promise<WireImageSummary[]> {
  return client.json<WireImageSummary[]>('GET', '/images/json', { query: { filters } });
}

export async function removeImage(client: EngineClient, name: string, force = true): Promise<void> {
  try {
    await client.call('DELETE', `/images/${name}`, { query: { force } });
  } catch (err) {
    if (err instanceof EngineApiError && err.statusCode === 404) return;
    throw err;
  }
}
