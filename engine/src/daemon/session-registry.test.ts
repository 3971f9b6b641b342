import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { SessionRegistry } from './session-registry.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function registry(options: { firstKeepaliveMs?: number } = {}) {
  const reaped: string[] = [];
  let idle = 0;
  const r = new SessionRegistry({
    reap: async (id) => {
      reaped.push(id);
    },
    defaultGraceMs: 50,
    logger: silentLogger(),
    onIdle: () => {
      idle++;
    },
    ...options,
  });
  return { r, reaped, idleCount: () => idle };
}

describe('session registry', () => {
  it('gives 24-hex ids and clamps the grace period', () => {
    const { r } = registry();
    const s = r.create({ graceMs: 10_000_000 });
    expect(s.id).toMatch(/^[0-9a-f]{24}$/);
    expect(s.graceMs).toBe(60_000);
    expect(r.create({ graceMs: -5 }).graceMs).toBe(0);
    expect(r.create({}).graceMs).toBe(50);
  });

  it('reaps after the grace period once the last keepalive closed, not before', async () => {
    const { r, reaped, idleCount } = registry();
    const { id } = r.create({ graceMs: 40 });
    const a = r.keepalive(id);
    const b = r.keepalive(id);
    a.release();
    await tick(80);
    expect(reaped).toEqual([]);
    b.release();
    await tick(20);
    expect(reaped).toEqual([]);
    await tick(60);
    expect(reaped).toEqual([id]);
    expect(idleCount()).toBe(1);
    expect(() => r.keepalive(id)).toThrow(NotFoundError);
  });

  it('keeps the session when a client reconnects within the grace period', async () => {
    const { r, reaped } = registry();
    const { id } = r.create({ graceMs: 60 });
    r.keepalive(id).release();
    await tick(20);
    const again = r.keepalive(id);
    await tick(100);
    expect(reaped).toEqual([]);
    again.release();
    await tick(100);
    expect(reaped).toEqual([id]);
  });

  it('reaps a session that never got a keepalive, and on DELETE at once, ending open keepalives', async () => {
    const { r, reaped } = registry({ firstKeepaliveMs: 30 });
    const lonely = r.create({});
    await tick(60);
    expect(reaped).toEqual([lonely.id]);
    const held = r.create({});
    const k = r.keepalive(held.id);
    await r.reapNow(held.id);
    await k.ended;
    expect(reaped).toEqual([lonely.id, held.id]);
    await expect(r.reapNow(held.id)).rejects.toThrow('No such session');
  });
});
