import type { Readable } from 'node:stream';
import type { WireProgressLine } from './wire-types.js';

/**
 * Reads a pull/build/import progress stream (JSON objects, one per line) to its end. Engines
 * report failures in-band (`{"error": ...}`) after a 200, so the status code alone proves nothing.
 */
export async function readProgress(
  body: Readable,
  onLine?: (line: WireProgressLine) => void,
): Promise<{ error: string | undefined; lines: WireProgressLine[] }> {
  let pending = '';
  let error: string | undefined;
  const lines: WireProgressLine[] = [];
  const handle = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    let line: WireProgressLine;
    try {
      line = JSON.parse(trimmed) as WireProgressLine;
    } catch {
      line = { stream: trimmed };
    }
    lines.push(line);
    if (lines.length > 500) lines.shift();
    if (line.error || line.errorDetail?.message) error = line.errorDetail?.message ?? line.error;
    onLine?.(line);
  };
  body.setEncoding('utf8');
  for await (const chunk of body as AsyncIterable<string>) {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      handle(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  }
  handle(pending);
  return { error, lines };
}
