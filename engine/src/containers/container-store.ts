import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, InvalidArgumentError, isErrno, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ContainerRecord } from './container-record.js';

const RECORD_FILE = 'record.json';
const TRASH_PREFIX = '.trash-';

interface WriteLoop {
  pending: boolean;
  done: Promise<void>;
}

/**
 * The engine's container records: all held in memory (every lookup is a map access), persisted as
 * `<dir>/<id>/record.json` with atomic replaces. Names are reserved synchronously, so two
 * concurrent creates can never both get one name. Saves are coalesced per container: a burst of
 * state changes costs at most one write in flight plus one queued. Removal renames the directory
 * to a trash name (one syscall) and deletes it in the background; `flush` waits for that, and
 * `load` finishes what a crash interrupted.
 */
export class ContainerStore {
  private readonly records = new Map<string, ContainerRecord>();
  private readonly names = new Map<string, string>();
  private readonly writes = new Map<string, WriteLoop>();
  private readonly background = new Set<Promise<void>>();

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  containerDir(id: string): string {
    return path.join(this.dir, id);
  }

  /** Reads every record from disk; call once before serving. Unreadable records are moved aside and reported. */
  async load(): Promise<ContainerRecord[]> {
    await mkdir(this.dir, { recursive: true });
    const entries = await readdir(this.dir);
    for (const entry of entries) {
      const full = path.join(this.dir, entry);
      if (entry.startsWith(TRASH_PREFIX)) {
        this.track(rm(full, { recursive: true, force: true }));
        continue;
      }
      let record: ContainerRecord;
      try {
        record = JSON.parse(await readFile(path.join(full, RECORD_FILE), 'utf8')) as ContainerRecord;
      } catch (err: unknown) {
        this.logger.warn({ dir: full, err }, 'dropping a container directory without a readable record');
        await this.trash(full);
        continue;
      }
      this.records.set(record.id, record);
      this.names.set(record.spec.name, record.id);
    }
    return [...this.records.values()];
  }

  all(): ContainerRecord[] {
    return [...this.records.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.records.get(id);
  }

  /** Docker's lookup order: full ID, exact name (with or without `/`), then unique ID prefix. */
  find(ref: string): ContainerRecord | undefined {
    const byId = this.records.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('/') ? ref.slice(1) : ref;
    const named = this.names.get(name);
    if (named) return this.records.get(named);
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    let match: ContainerRecord | undefined;
    for (const [id, record] of this.records) {
      if (!id.startsWith(ref)) continue;
      if (match) {
        throw new InvalidArgumentError(
          `multiple IDs found with provided prefix: ${ref}; give more characters of the ID`,
        );
      }
      match = record;
    }
    return match;
  }

  resolve(ref: string): ContainerRecord {
    const record = this.find(ref);
    if (!record) throw new NotFoundError('container', ref);
    return record;
  }

  nameTaken(name: string): boolean {
    return this.names.has(name);
  }

  /** Claims `name` for `id`; throws Docker's conflict error when another container holds it. */
  reserveName(name: string, id: string): void {
    const holder = this.names.get(name);
    if (holder !== undefined && holder !== id) {
      throw new ConflictError(
        `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    this.names.set(name, id);
  }

  releaseName(name: string, id: string): void {
    if (this.names.get(name) === id) this.names.delete(name);
  }

  /** Adds a new record (its name already reserved) and writes it. */
  async insert(record: ContainerRecord): Promise<void> {
    this.records.set(record.id, record);
    this.names.set(record.spec.name, record.id);
    await this.save(record);
  }

  /**
   * Persists the record's current content. Resolves when a write that started after this call
   * finished; callers on hot paths may leave it unawaited (errors are logged).
   */
  save(record: ContainerRecord): Promise<void> {
    const existing = this.writes.get(record.id);
    if (existing) {
      existing.pending = true;
      return existing.done;
    }
    const loop: WriteLoop = { pending: true, done: Promise.resolve() };
    loop.done = (async () => {
      try {
        while (loop.pending) {
          loop.pending = false;
          const current = this.records.get(record.id);
          if (!current) return;
          await writeFileAtomic(
            path.join(this.containerDir(record.id), RECORD_FILE),
            JSON.stringify(current),
          );
        }
      } catch (err: unknown) {
        this.logger.error({ containerId: record.id, err }, 'cannot persist container record');
        throw err;
      } finally {
        this.writes.delete(record.id);
      }
    })();
    this.writes.set(record.id, loop);
    return loop.done;
  }

  /** Forgets the container and deletes its directory (logs included) in the background. */
  async remove(id: string): Promise<void> {
    const record = this.records.get(id);
    if (!record) return;
    this.records.delete(id);
    this.releaseName(record.spec.name, id);
    await this.writes.get(id)?.done.catch(() => undefined);
    await this.trash(this.containerDir(id));
  }

  /** Waits for queued writes and background deletions. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.writes.values()].map((w) => w.done));
    await Promise.allSettled([...this.background]);
  }

  private async trash(dir: string): Promise<void> {
    const trashed = path.join(
      this.dir,
      `${TRASH_PREFIX}${path.basename(dir)}-${randomBytes(3).toString('hex')}`,
    );
    try {
      await rename(dir, trashed);
    } catch (err: unknown) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    this.track(rm(trashed, { recursive: true, force: true }));
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((err: unknown) => this.logger.warn({ err }, 'cannot delete a removed container directory'))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}
