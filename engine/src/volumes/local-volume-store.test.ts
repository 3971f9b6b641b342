import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { LocalVolumeStore } from './local-volume-store.js';
import { ANONYMOUS_VOLUME_LABEL } from './volume-store.js';

let dir: string;
let used: Set<string>;
let store: LocalVolumeStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-volumes-'));
  used = new Set();
  store = new LocalVolumeStore({
    dir,
    logger: silentLogger(),
    usedBy: (name) => (used.has(name) ? ['c1'] : []),
    now: () => new Date('2024-01-01T00:00:00Z'),
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalVolumeStore', () => {
  it('creates named volumes idempotently under <dir>/<name>/_data and anonymous ones with a random name', async () => {
    const v = await store.create({ name: 'data', labels: { a: '1' } });
    expect(v).toMatchObject({ name: 'data', mountpoint: path.join(dir, 'data', '_data'), anonymous: false });
    await writeFile(path.join(v.mountpoint, 'f'), 'x');
    expect(await store.create({ name: 'data', labels: { other: '2' } })).toEqual(v);
    const anon = await store.create({});
    expect(anon.name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.labels).toEqual({ [ANONYMOUS_VOLUME_LABEL]: '' });
    expect(await store.size('data')).toBe(1);
  });

  it('rejects bad names and drivers, and reports missing volumes as Docker does', async () => {
    await expect(store.create({ name: '../etc' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.create({ name: 'x1', driver: 'nfs' })).rejects.toThrow(/not supported/);
    await expect(store.get('nope')).rejects.toThrow(NotFoundError);
    await expect(store.get('nope')).rejects.toThrow('No such volume: nope');
  });

  it('filters by name, label and dangling', async () => {
    await store.create({ name: 'web-data', labels: { tier: 'web' } });
    await store.create({ name: 'db-data', labels: { tier: 'db', keep: 'yes' } });
    used.add('db-data');
    const names = async (f: Record<string, string[]>) => (await store.list(f)).map((v) => v.name);
    expect(await names({ name: ['web'] })).toEqual(['web-data']);
    expect(await names({ label: ['tier=db', 'keep'] })).toEqual(['db-data']);
    expect(await names({ dangling: ['true'] })).toEqual(['web-data']);
    await expect(store.list({ colour: ['red'] })).rejects.toThrow(/invalid filter/);
  });

  it('refuses to remove a volume in use, and prunes only unused anonymous volumes unless all=true', async () => {
    await store.create({ name: 'named' });
    const busy = await store.create({});
    const idle = await store.create({});
    used.add(busy.name);
    await expect(store.remove(busy.name)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.prune()).deleted).toEqual([idle.name]);
    expect((await store.prune({ all: ['true'] })).deleted).toEqual(['named']);
    expect((await readdir(dir)).sort()).toEqual([busy.name]);
  });
});
