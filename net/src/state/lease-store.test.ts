import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { parseCidr, parseIpv4 } from '../ipv4.js';
import { LeaseStore } from './lease-store.js';

describe('LeaseStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-lease-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const subnet = parseCidr('10.50.0.0/24')!;
  const gw = parseIpv4('10.50.0.1')!;

  it('never hands one address to two stores racing on the same directory', async () => {
    const a = new LeaseStore(dir);
    const b = new LeaseStore(dir);
    await a.init();
    const ips = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).lease('n', 'net', subnet, gw, { containerId: `c${i}`, sandbox: `s${i}` }),
      ),
    );
    expect(new Set(ips).size).toBe(40);
    expect(ips).not.toContain('10.50.0.1');
  });

  it('walks forward instead of reusing a just-released address, and reports exhaustion', async () => {
    const store = new LeaseStore(dir);
    await store.init();
    const small = parseCidr('10.50.0.0/29')!; // .1 gateway, .2–.6 usable
    const h = (i: number) => ({ containerId: `c${i}`, sandbox: `s${i}` });
    expect(await store.lease('n', 'net', small, gw, h(1))).toBe('10.50.0.2');
    await store.release('n', '10.50.0.2', h(1));
    expect(await store.lease('n', 'net', small, gw, h(2))).toBe('10.50.0.3');
    for (let i = 3; i <= 6; i++) await store.lease('n', 'net', small, gw, h(i));
    await expect(store.lease('n', 'net', small, gw, h(7))).rejects.toThrow(
      /no available IPv4 addresses on network net/,
    );
    await expect(store.lease('n', 'net', small, gw, h(8), '10.50.0.3')).rejects.toThrow(ConflictError);
  });

  it('releases only for the holder', async () => {
    const store = new LeaseStore(dir);
    await store.init();
    await store.lease('n', 'net', subnet, gw, { containerId: 'c', sandbox: 'mine' }, '10.50.0.9');
    await store.release('n', '10.50.0.9', { containerId: 'c', sandbox: 'old' });
    expect((await store.list('n')).map((l) => l.ipAddress)).toEqual(['10.50.0.9']);
  });
});
