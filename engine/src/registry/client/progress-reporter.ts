import type { Digest } from '../../content/digest.js';
import { digestHex } from '../../content/digest.js';
import type { ProgressMessage, ProgressSink } from '../../images/image-service.js';

/** Docker's `units.HumanSize`: decimal units, four significant digits (`1.049MB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** Docker's JSONProgress bar: `[==========>      ]  1.049MB/2.097MB`. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return humanSize(current).padStart(8);
  const filled = Math.min(50, Math.floor((current / total) * 100) / 2) | 0;
  const bar = `[${'='.repeat(filled)}>${' '.repeat(50 - filled)}] `;
  return `${bar}${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** The 12-hex short id Docker shows for a layer. */
export function shortId(digest: Digest): string {
  return digestHex(digest).slice(0, 12);
}

/**
 * Emits Docker's JSON progress stream messages to an optional sink, throttling byte-count
 * updates per id (Docker does the same, every 100 ms) so a fast pull does not flood the API.
 */
export class ProgressReporter {
  private readonly lastEmit = new Map<string, number>();

  constructor(
    private readonly sink: ProgressSink | undefined,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 100,
  ) {}

  status(status: string, id?: string): void {
    this.emit(id === undefined ? { status } : { status, id });
  }

  /** A per-layer status with an empty progressDetail, as Docker sends it. */
  layer(id: string, status: string): void {
    this.emit({ status, progressDetail: {}, id });
  }

  bytes(
    id: string,
    status: 'Downloading' | 'Extracting' | 'Pushing',
    current: number,
    total: number,
    force = false,
  ): void {
    if (!this.sink) return;
    const key = `${id} ${status}`;
    const t = this.now();
    if (!force && current < total && t - (this.lastEmit.get(key) ?? 0) < this.intervalMs) return;
    this.lastEmit.set(key, t);
    this.emit({ status, progressDetail: { current, total }, progress: progressBar(current, total), id });
  }

  aux(aux: Record<string, unknown>): void {
    this.emit({ progressDetail: {}, aux });
  }

  private emit(message: ProgressMessage): void {
    this.sink?.(message);
  }
}
