import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { SessionRegistry } from './session-registry.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function registry() {
  const reaped: string[] = [];
  const r = new SessionRegistry({
    reap: async (id) => {
      reaped.push(id);
    },
    defaultGraceMs: 30,
    firstKeepaliveMs: 40,
    logger: silentLogger(),
  });
  return { r, reaped };
}

describe('session registry: sessions with a TTL (skiff up --ttl)', () => {
  it('keeps a TTL session without any keepalive past the first-keepalive limit, and reaps it at the TTL', async () => {
    const { r, reaped } = registry();
    const before = Date.now();
    const s = r.create({ ttlMs: 150 });
    expect(s.expiresAt).toBeGreaterThanOrEqual(before + 150);
    expect(r.list().map((x) => x.expiresAt)).toEqual([s.expiresAt]);
    await tick(80);
    expect(reaped).toEqual([]);
    await tick(120);
    expect(reaped).toEqual([s.id]);
    expect(r.list()).toEqual([]);
  });

  it('reaps a TTL session at its TTL even while a keepalive is open', async () => {
    const { r, reaped } = registry();
    const s = r.create({ ttlMs: 60 });
    const hold = r.keepalive(s.id);
    let ended = false;
    void hold.ended.then(() => {
      ended = true;
    });
    await tick(100);
    expect(reaped).toEqual([s.id]);
    expect(ended).toBe(true);
    hold.release();
  });

  it('still reaps a TTL session after the grace period when its last keepalive closes first', async () => {
    const { r, reaped } = registry();
    const s = r.create({ ttlMs: 10_000 });
    r.keepalive(s.id).release();
    await tick(80);
    expect(reaped).toEqual([s.id]);
  });

  it('refuses a TTL a timer cannot wait for', () => {
    const { r } = registry();
    expect(() => r.create({ ttlMs: 2 ** 31 })).toThrow(InvalidArgumentError);
    expect(() => r.create({ ttlMs: -1 })).toThrow(InvalidArgumentError);
  });
});
