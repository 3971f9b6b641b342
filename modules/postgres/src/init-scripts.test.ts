import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareInitScripts } from './init-scripts.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-initscripts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prepareInitScripts', () => {
  it('numbers files and SQL in the order given, keeping extensions and file modes', async () => {
    writeFileSync(path.join(dir, 'z schema.sql'), 'CREATE TABLE a (id int);');
    writeFileSync(path.join(dir, 'setup.sh'), 'echo hi');
    chmodSync(path.join(dir, 'setup.sh'), 0o755);
    const scripts = await prepareInitScripts([
      { kind: 'file', path: path.join(dir, 'z schema.sql') },
      { kind: 'sql', name: 'seed data.sql', sql: 'INSERT INTO a VALUES (1);' },
      { kind: 'file', path: path.join(dir, 'setup.sh') },
      { kind: 'sql', name: 'last', sql: 'SELECT 1;' },
    ]);
    expect(scripts.map((s) => s.target)).toEqual([
      '/docker-entrypoint-initdb.d/001-z_schema.sql',
      '/docker-entrypoint-initdb.d/002-seed_data.sql',
      '/docker-entrypoint-initdb.d/003-setup.sh',
      '/docker-entrypoint-initdb.d/004-last.sql',
    ]);
    expect(scripts.map((s) => s.label)).toEqual([
      path.join(dir, 'z schema.sql'),
      'seed data.sql',
      path.join(dir, 'setup.sh'),
      'last',
    ]);
    expect(scripts[2]?.mode).toBe(0o755);
    expect(scripts[1]?.content.toString()).toBe('INSERT INTO a VALUES (1);');
    // Names sort in the order given in any locale (the entrypoint globs them).
    expect([...scripts.map((s) => s.target)].sort()).toEqual(scripts.map((s) => s.target));
  });

  it('widens the numbers past 999 scripts so that they still sort', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ kind: 'sql' as const, name: `s${i}`, sql: '' }));
    const scripts = await prepareInitScripts(many);
    expect(scripts[0]?.target).toBe('/docker-entrypoint-initdb.d/0001-s0.sql');
    expect(scripts[999]?.target).toBe('/docker-entrypoint-initdb.d/1000-s999.sql');
  });

  it('refuses files the entrypoint would ignore, and files that cannot be read', async () => {
    writeFileSync(path.join(dir, 'notes.md'), '');
    await expect(
      prepareInitScripts([{ kind: 'file', path: path.join(dir, 'notes.md') }]),
    ).rejects.toMatchObject({
      code: 'SKIFF_INVALID_ARGUMENT',
    });
    await expect(prepareInitScripts([{ kind: 'file', path: path.join(dir, 'gone.sql') }])).rejects.toThrow(
      /gone\.sql cannot be read: ENOENT/,
    );
  });
});
