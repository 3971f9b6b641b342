import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { writeJsonAtomic } from './atomic-write.js';
import type { SandboxRecord } from './records.js';

/**
 * Sandbox records, one file per sandbox key (its namespace name, or `c-<containerId>` without one),
 * so a restarted container's new sandbox never collides with the old one still being torn down.
 */
export class SandboxStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'sandboxes');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  static keyOf(record: Pick<SandboxRecord, 'netns' | 'containerId' | 'created'>): string {
    return record.netns ?? `c-${record.containerId}-${Date.parse(record.created)}`;
  }

  async list(): Promise<SandboxRecord[]> {
    const names = await readdir(this.dir).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return [] as string[];
      throw err;
    });
    const records: SandboxRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        records.push(JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as SandboxRecord);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return records;
  }

  async put(record: SandboxRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${SandboxStore.keyOf(record)}.json`), record);
  }

  async remove(record: SandboxRecord): Promise<void> {
    await rm(path.join(this.dir, `${SandboxStore.keyOf(record)}.json`), { force: true });
  }
}
