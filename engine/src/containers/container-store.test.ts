import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZERO_TIME } from '../constants.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { minimalContainerSpec } from '../runtime/minimal-container-spec.js';
import type { ContainerRecord } from './container-record.js';
import { ContainerStore } from './container-store.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(id: string, name: string): ContainerRecord {
  return {
    id,
    created: '2024-01-01T00:00:00.000000000Z',
    spec: minimalContainerSpec({ name }),
    state: {
      status: 'created',
      pid: 0,
      exitCode: 0,
      error: '',
      oomKilled: false,
      startedAt: ZERO_TIME,
      finishedAt: ZERO_TIME,
      restartCount: 0,
      health: undefined,
    },
    path: 'sh',
    args: [],
    ports: [],
    endpoints: [],
    mounts: [],
    hostsPath: '',
    hostnamePath: '',
    resolvConfPath: '',
    logPath: '',
    runtime: 'crun',
  };
}

describe('ContainerStore', () => {
  it('reserves names synchronously so two creates cannot share one', () => {
    const store = new ContainerStore(dir, silentLogger());
    store.reserveName('web', 'a'.repeat(64));
    expect(() => store.reserveName('web', 'b'.repeat(64))).toThrow(ConflictError);
    expect(() => store.reserveName('web', 'b'.repeat(64))).toThrow(
      /"\/web" is already in use by container "a{64}"/,
    );
    store.releaseName('web', 'a'.repeat(64));
    expect(() => store.reserveName('web', 'b'.repeat(64))).not.toThrow();
  });

  it('finds by full ID, name with or without slash, and unique prefix; an ambiguous prefix is an error', async () => {
    const store = new ContainerStore(dir, silentLogger());
    await store.insert(record(`abc1${'0'.repeat(60)}`, 'one'));
    await store.insert(record(`abc2${'0'.repeat(60)}`, 'two'));
    expect(store.resolve('/two').spec.name).toBe('two');
    expect(store.resolve('abc1').spec.name).toBe('one');
    expect(() => store.resolve('abc')).toThrow(/multiple IDs/);
    expect(() => store.resolve('zzz')).toThrow(NotFoundError);
    expect(() => store.resolve('zzz')).toThrow('No such container: zzz');
  });

  it('persists records, coalesces saves, and a new store loads them back', async () => {
    const store = new ContainerStore(dir, silentLogger());
    const r = record('c'.repeat(64), 'persisted');
    await store.insert(r);
    r.state.status = 'running';
    const a = store.save(r);
    r.state.status = 'exited';
    r.state.exitCode = 3;
    await Promise.all([a, store.save(r)]);
    const again = new ContainerStore(dir, silentLogger());
    const [loaded] = await again.load();
    expect(loaded?.state).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(again.nameTaken('persisted')).toBe(true);
  });

  it('removes by renaming away, and load finishes deletions and drops unreadable records', async () => {
    const store = new ContainerStore(dir, silentLogger());
    await store.insert(record('d'.repeat(64), 'gone'));
    await store.remove('d'.repeat(64));
    expect(store.find('gone')).toBeUndefined();
    await store.flush();
    await mkdir(path.join(dir, '.trash-left-by-crash'));
    await mkdir(path.join(dir, 'e'.repeat(64)));
    await writeFile(path.join(dir, 'e'.repeat(64), 'record.json'), '{truncated');
    const again = new ContainerStore(dir, silentLogger());
    expect(await again.load()).toEqual([]);
    await again.flush();
    expect(await readdir(dir)).toEqual([]);
  });
});
