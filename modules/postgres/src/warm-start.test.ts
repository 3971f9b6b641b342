import { describe, expect, it } from 'vitest';
import type { PreparedInitScript } from './init-scripts.js';
import { type WarmKeyInput, warmImageRef, warmKey } from './warm-start.js';

const script: PreparedInitScript = {
  label: 'a.sql',
  target: '/docker-entrypoint-initdb.d/001-a.sql',
  content: Buffer.from('CREATE TABLE a (id int);'),
  mode: 0o644,
};
const base: WarmKeyInput = {
  baseImageId: 'sha256:aaa',
  environment: { POSTGRES_USER: 'test', POSTGRES_PASSWORD: 'test' },
  command: ['postgres', '-c', 'fsync=off'],
  entrypoint: undefined,
  user: undefined,
  scripts: [script],
};

describe('warmKey', () => {
  it('is stable, and independent of the order environment variables were set in', () => {
    const reordered = { ...base, environment: { POSTGRES_PASSWORD: 'test', POSTGRES_USER: 'test' } };
    expect(warmKey(base)).toBe(warmKey(reordered));
    expect(warmKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with anything that shapes the data directory', () => {
    const variants: Partial<WarmKeyInput>[] = [
      { baseImageId: 'sha256:bbb' },
      { environment: { ...base.environment, POSTGRES_PASSWORD: 'other' } },
      { command: ['postgres', '-c', 'fsync=on'] },
      { entrypoint: ['sh'] },
      { user: 'postgres' },
      { scripts: [{ ...script, content: Buffer.from('CREATE TABLE b (id int);') }] },
      { scripts: [{ ...script, mode: 0o755 }] },
      { scripts: [] },
    ];
    const keys = new Set([warmKey(base), ...variants.map((v) => warmKey({ ...base, ...v }))]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('names the image under a registry-style repository mirrors leave alone', () => {
    const key = warmKey(base);
    expect(warmImageRef(key)).toEqual({
      repo: 'skiff.local/postgres-warm',
      tag: key.slice(0, 32),
      ref: `skiff.local/postgres-warm:${key.slice(0, 32)}`,
    });
  });
});
