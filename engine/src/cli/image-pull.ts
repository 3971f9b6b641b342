import type { IncomingMessage } from 'node:http';
import type { ProgressMessage } from '../images/image-service.js';
import type { EngineClient } from './engine-client.js';

export class StreamError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}

/**
 * Reads a JSON-lines progress stream (pull, push, load, import) and reports each message through
 * `onMessage`; an in-band `errorDetail` rejects with its message (the engine had already answered 200).
 */
export async function readProgress(
  res: IncomingMessage,
  onMessage: (m: ProgressMessage) => void,
): Promise<void> {
  let buffered = '';
  let failure: StreamError | undefined;
  const handle = (line: string) => {
    if (line.trim() === '') return;
    let m: ProgressMessage;
    try {
      m = JSON.parse(line) as ProgressMessage;
    } catch {
      return;
    }
    if (m.errorDetail || m.error) {
      failure ??= new StreamError(m.errorDetail?.message ?? m.error ?? 'unknown error', m.errorDetail?.code);
      return;
    }
    onMessage(m);
  };
  for await (const chunk of res) {
    buffered += (chunk as Buffer).toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) handle(line);
  }
  handle(buffered);
  if (failure) throw failure;
}

/**
 * Progress as the docker CLI prints it without a terminal: one line per layer status change,
 * `id: status`, skipping the repeated Downloading/Extracting updates.
 */
export function progressPrinter(write: (s: string) => void): (m: ProgressMessage) => void {
  const last = new Map<string, string>();
  return (m) => {
    if (m.stream !== undefined) {
      write(m.stream);
      return;
    }
    if (!m.status) return;
    const key = m.id ?? '';
    if (m.id && last.get(key) === m.status) return;
    last.set(key, m.status);
    write(m.id ? `${m.id}: ${m.status}\n` : `${m.status}\n`);
  };
}

/**
 * How pull and push progress is shown: per-layer lines redrawn in place on a terminal (like
 * `docker pull`), one plain line per status change otherwise, nothing when quiet.
 */
export async function progressDisplay(
  write: (s: string) => void,
  options: { tty: boolean; quiet?: boolean },
): Promise<(m: ProgressMessage) => void> {
  if (options.quiet) return () => {};
  if (!options.tty) return progressPrinter(write);
  const { TerminalProgress } = await import('./progress-display.js');
  const terminal = new TerminalProgress(write);
  return (m) => terminal.show(m);
}

/** `X-Registry-Auth` from the user's docker config; imported only when a pull or push happens. */
export async function registryAuthHeader(ref: string): Promise<string> {
  const { registryAuthFor } = await import('./registry-auth.js');
  return registryAuthFor(ref);
}

/** `POST /images/create?fromImage=…` with the progress printed to `write` (stderr for `run`). */
export async function pullImage(
  client: EngineClient,
  ref: string,
  options: { platform?: string; quiet?: boolean; tty?: boolean; write: (s: string) => void },
): Promise<void> {
  const res = await client.request('POST', '/images/create', {
    query: { fromImage: ref, platform: options.platform },
    headers: { 'X-Registry-Auth': await registryAuthHeader(ref) },
  });
  await readProgress(
    res,
    await progressDisplay(options.write, { tty: options.tty ?? false, quiet: options.quiet }),
  );
}
