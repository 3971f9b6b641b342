import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, InvalidArgumentError, isErrno, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import {
  ANONYMOUS_VOLUME_LABEL,
  type VolumeCreateInput,
  type VolumeRecord,
  type VolumeStore,
} from './volume-store.js';

const META_FILE = 'volume.json';
const DATA_DIR = '_data';
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

type Meta = Omit<VolumeRecord, 'mountpoint' | 'name'>;

export interface LocalVolumeStoreOptions {
  /** `<root>/volumes`. */
  dir: string;
  logger: Logger;
  /** IDs of containers that use the volume; set by the container service once it exists. */
  usedBy?: (name: string) => string[];
  now?: () => Date;
}

/**
 * The `local` volume driver: `<dir>/<name>/_data` plus a `volume.json` with labels and options.
 * Creating the name's directory with a plain `mkdir` is the cross-engine claim on a name; the
 * metadata lands atomically afterwards, and a directory without metadata is a volume some engine
 * is still creating (or crashed creating: `list` skips it, `create` of that name completes it).
 */
export class LocalVolumeStore implements VolumeStore {
  usedBy: (name: string) => string[];
  private readonly now: () => Date;

  constructor(private readonly options: LocalVolumeStoreOptions) {
    this.usedBy = options.usedBy ?? (() => []);
    this.now = options.now ?? (() => new Date());
  }

  private volumeDir(name: string): string {
    return path.join(this.options.dir, name);
  }

  private record(name: string, meta: Meta): VolumeRecord {
    return { name, mountpoint: path.join(this.volumeDir(name), DATA_DIR), ...meta };
  }

  async create(input: VolumeCreateInput): Promise<VolumeRecord> {
    if (input.driver && input.driver !== 'local') {
      throw new InvalidArgumentError(
        `volume driver ${JSON.stringify(input.driver)} is not supported: use "local"`,
      );
    }
    const anonymous = input.name === undefined || input.name === '';
    const name = anonymous ? randomBytes(32).toString('hex') : input.name!;
    if (!NAME_RE.test(name)) {
      throw new InvalidArgumentError(
        `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`,
      );
    }
    const existing = await this.find(name);
    if (existing) return existing;
    const labels = { ...(input.labels ?? {}) };
    if (anonymous) labels[ANONYMOUS_VOLUME_LABEL] = '';
    const meta: Meta = {
      driver: 'local',
      createdAt: this.now().toISOString(),
      labels,
      options: { ...(input.driverOpts ?? {}) },
      scope: 'local',
      anonymous,
    };
    await mkdir(path.join(this.volumeDir(name), DATA_DIR), { recursive: true, mode: 0o755 });
    // Another engine may have finished the same name meanwhile: its metadata wins.
    const raced = await this.find(name);
    if (raced) return raced;
    await writeFileAtomic(path.join(this.volumeDir(name), META_FILE), JSON.stringify(meta));
    return this.record(name, meta);
  }

  async find(name: string): Promise<VolumeRecord | undefined> {
    if (!NAME_RE.test(name)) return undefined;
    try {
      const meta = JSON.parse(await readFile(path.join(this.volumeDir(name), META_FILE), 'utf8')) as Meta;
      return this.record(name, meta);
    } catch (err: unknown) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  async get(name: string): Promise<VolumeRecord> {
    const v = await this.find(name);
    if (!v) throw new NotFoundError('volume', name);
    return v;
  }

  async list(filters: Record<string, string[]> = {}): Promise<VolumeRecord[]> {
    const names = await readdir(this.options.dir).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return [] as string[];
      throw err;
    });
    const out: VolumeRecord[] = [];
    for (const name of names) {
      const v = await this.find(name);
      if (v && this.matches(v, filters)) out.push(v);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private matches(v: VolumeRecord, filters: Record<string, string[]>): boolean {
    for (const [key, values] of Object.entries(filters)) {
      if (values.length === 0) continue;
      const test = (value: string): boolean => {
        switch (key) {
          case 'name':
            return v.name.includes(value);
          case 'driver':
            return v.driver === value;
          case 'dangling':
            return (this.usedBy(v.name).length === 0) === (value === 'true' || value === '1');
          case 'label': {
            const eq = value.indexOf('=');
            return eq < 0 ? value in v.labels : v.labels[value.slice(0, eq)] === value.slice(eq + 1);
          }
          case 'all':
            return true;
          default:
            throw new InvalidArgumentError(`invalid filter '${key}' for volumes`);
        }
      };
      // Docker's filters.Args: labels are ANDed, the values of any other key ORed.
      if (key === 'label' ? !values.every(test) : !values.some(test)) return false;
    }
    return true;
  }

  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    const v = await this.find(name);
    if (!v) {
      if (options.force) return;
      throw new NotFoundError('volume', name);
    }
    const users = this.usedBy(name);
    if (users.length > 0) {
      throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    }
    // Rename first so the name is free at once and a crash mid-delete leaves no half volume.
    const trash = path.join(this.options.dir, `.trash-${name}-${randomBytes(3).toString('hex')}`);
    await rename(this.volumeDir(name), trash);
    await rm(trash, { recursive: true, force: true });
  }

  async prune(
    filters: Record<string, string[]> = {},
  ): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const all = (filters.all ?? []).some((v) => v === 'true' || v === '1');
    const rest = { ...filters };
    delete rest.all;
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const v of await this.list(rest)) {
      if (!all && !v.anonymous) continue;
      if (this.usedBy(v.name).length > 0) continue;
      const size = await this.size(v.name);
      try {
        await this.remove(v.name);
      } catch (err: unknown) {
        this.options.logger.warn({ volume: v.name, err }, 'cannot prune volume');
        continue;
      }
      deleted.push(v.name);
      spaceReclaimed += size;
    }
    return { deleted, spaceReclaimed };
  }

  async size(name: string): Promise<number> {
    return dirSize(path.join(this.volumeDir(name), DATA_DIR));
  }
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(full);
    else total += (await lstat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
