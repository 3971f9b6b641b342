import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { writeJsonAtomic } from './atomic-write.js';
import type { StoredNetwork } from './records.js';

/** Network records, one JSON file per network id. Read from disk every time: other processes may change them. */
export class NetworkStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'networks');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async list(): Promise<StoredNetwork[]> {
    const names = await readdir(this.dir).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return [] as string[];
      throw err;
    });
    const records: StoredNetwork[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        records.push(JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as StoredNetwork);
      } catch (err) {
        // Removed between readdir and read by another process.
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return records.sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  }

  /** One record by id (64 hex digits; anything else is not an id and is not looked up). */
  async get(id: string): Promise<StoredNetwork | undefined> {
    if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
    try {
      return JSON.parse(await readFile(path.join(this.dir, `${id}.json`), 'utf8')) as StoredNetwork;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async put(record: StoredNetwork): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${record.id}.json`), record);
  }

  async remove(id: string): Promise<void> {
    await rm(path.join(this.dir, `${id}.json`), { force: true });
  }
}
