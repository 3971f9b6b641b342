import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Digest, digestHex, isDigest } from '../content/digest.js';
import { ConflictError, isErrno } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { acquireFileLock } from '../util/file-lock.js';
import { runCommand } from '../util/run-command.js';
import type { SnapshotFill, SnapshotInfo, Snapshotter } from './snapshotter.js';

/** Hex digits of the chain ID naming a snapshot directory: 200 lowers still fit a 4 KiB option. */
const SHORT_ID_LENGTH = 16;
const INFO_FILE = 'snapshot.json';
const TMP_PREFIX = '.tmp-';
const TRASH_PREFIX = '.trash-';

export interface LocalSnapshotterOptions {
  /** How long `ensure` waits for another process filling the same snapshot (default 30 min). */
  lockTimeoutMs?: number;
  now?: () => number;
}

/**
 * Snapshots as plain directories on the persistent store: `<root>/<first 16 hex of chain ID>/fs`
 * with `snapshot.json` (full chain ID, size, time) beside it. A snapshot becomes visible by one
 * rename of a private, completely filled directory, so readers never see half a layer; a per-
 * snapshot lock file serialises fills across engines and CLI processes.
 */
export class LocalSnapshotter implements Snapshotter {
  private readonly inflight = new Map<Digest, Promise<SnapshotInfo>>();
  private readonly lockTimeoutMs: number;
  private readonly now: () => number;

  constructor(
    readonly root: string,
    options: LocalSnapshotterOptions = {},
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Creates the root and removes what crashed fills and removals left behind. */
  async init(): Promise<this> {
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      if (name.startsWith(TRASH_PREFIX) || (name.startsWith(TMP_PREFIX) && !ownerAlive(name))) {
        await rm(path.join(this.root, name), { recursive: true, force: true });
      }
    }
    return this;
  }

  lowerName(chainId: Digest): string {
    return `${shortId(chainId)}/fs`;
  }

  dir(chainId: Digest): string {
    return path.join(this.root, this.lowerName(chainId));
  }

  async stat(chainId: Digest): Promise<SnapshotInfo | undefined> {
    const info = await this.readInfo(shortId(chainId));
    if (info === undefined) return undefined;
    if (info.chainId !== chainId) {
      throw new ConflictError(
        `snapshot ${shortId(chainId)} already holds chain ${info.chainId}, not ${chainId}: a 64-bit prefix collision; remove ${path.join(this.root, shortId(chainId))} to continue`,
      );
    }
    return info;
  }

  ensure(chainId: Digest, fill: SnapshotFill): Promise<SnapshotInfo> {
    const running = this.inflight.get(chainId);
    if (running) return running;
    const work = this.ensureOnce(chainId, fill).finally(() => this.inflight.delete(chainId));
    this.inflight.set(chainId, work);
    return work;
  }

  async list(): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (const name of await readdir(this.root)) {
      if (!/^[a-f0-9]{16}$/.test(name)) continue;
      const info = await this.readInfo(name);
      if (info) out.push(info);
    }
    return out;
  }

  async remove(chainId: Digest): Promise<void> {
    const short = shortId(chainId);
    const lock = await acquireFileLock(this.lockPath(short), { timeoutMs: this.lockTimeoutMs, pollMs: 50 });
    try {
      if ((await this.stat(chainId)) === undefined) return;
      // One rename makes it disappear for everyone; the slow delete happens out of sight.
      const trash = path.join(this.root, `${TRASH_PREFIX}${short}-${randomBytes(4).toString('hex')}`);
      await rename(path.join(this.root, short), trash);
      await rm(trash, { recursive: true, force: true });
    } finally {
      await lock.release();
    }
  }

  private async ensureOnce(chainId: Digest, fill: SnapshotFill): Promise<SnapshotInfo> {
    const existing = await this.stat(chainId);
    if (existing) return existing;
    const short = shortId(chainId);
    await mkdir(this.root, { recursive: true });
    const lock = await acquireFileLock(this.lockPath(short), { timeoutMs: this.lockTimeoutMs, pollMs: 50 });
    try {
      const filled = await this.stat(chainId);
      if (filled) return filled;
      const tmp = path.join(this.root, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
      try {
        const fsDir = path.join(tmp, 'fs');
        await mkdir(fsDir, { recursive: true, mode: 0o755 });
        const result = await fill(fsDir);
        const size = reportedSize(result) ?? (await diskUsage(fsDir));
        const info: SnapshotInfo = { chainId, size, createdAt: this.now() };
        await writeJsonAtomic(path.join(tmp, INFO_FILE), info, { fsync: true });
        await rename(tmp, path.join(this.root, short));
        return info;
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
    } finally {
      await lock.release();
    }
  }

  private lockPath(short: string): string {
    return path.join(this.root, `${short}.lock`);
  }

  private async readInfo(short: string): Promise<SnapshotInfo | undefined> {
    let text: string;
    try {
      text = await readFile(path.join(this.root, short, INFO_FILE), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw err;
    }
    const info = JSON.parse(text) as SnapshotInfo;
    if (!isDigest(info.chainId)) return undefined;
    return info;
  }
}

function reportedSize(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const size = (result as { size?: unknown }).size;
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

function shortId(chainId: Digest): string {
  return digestHex(chainId).slice(0, SHORT_ID_LENGTH);
}

/** `.tmp-<pid>-<rand>`: a fill in progress unless its process is gone. */
function ownerAlive(name: string): boolean {
  const pid = Number(name.slice(TMP_PREFIX.length).split('-')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/** Apparent size of a tree, from one `du` spawn (a Node walk costs an lstat round trip per file). */
async function diskUsage(dir: string): Promise<number> {
  const { stdout } = await runCommand('du', ['-sb', dir]);
  return Number.parseInt(stdout, 10) || 0;
}
