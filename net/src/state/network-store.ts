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

  async put(record: StoredNetwork): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${record.id}.json`), record);
  }

  async remove(id: string): Promise<void> {
    await rm(path.join(this.dir, `${id}.json`), { force: true });
  }
}
