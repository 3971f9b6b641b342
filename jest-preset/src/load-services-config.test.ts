import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findServicesConfig, loadServicesConfig } from './load-services-config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-jest-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const services = path.resolve(import.meta.dirname, '../../vitest-plugin/dist/services/index.js');

describe('findServicesConfig', () => {
  it('takes testEnvironmentOptions.skiffConfig first, then skiff.config.* in rootDir in order', () => {
    const dir = project({ 'skiff.config.mjs': '', 'skiff.config.ts': '', 'other.ts': '' });
    expect(findServicesConfig(dir, {})).toBe(path.join(dir, 'skiff.config.ts'));
    expect(findServicesConfig(dir, { skiffConfig: 'other.ts' })).toBe(path.join(dir, 'other.ts'));
  });

  it('says what to create when there is none, and refuses a missing named file', () => {
    const dir = project({});
    expect(() => findServicesConfig(dir, {})).toThrow(/found no skiff\.config\.ts .* in .*; create one/);
    expect(() => findServicesConfig(dir, { skiffConfig: 'gone.ts' })).toThrow('does not exist');
    expect(() => findServicesConfig(dir, { skiffConfig: 3 })).toThrow('must be a path');
  });
});

describe('loadServicesConfig', () => {
  it('loads TypeScript declarations exported as default or as services', async () => {
    const dir = project({
      'a.ts': `import { redis } from ${JSON.stringify(services)};\nconst port: number = 1;\nexport default { cache: redis() };\n`,
      'b.mjs': `import { redis } from ${JSON.stringify(services)};\nexport const services = { cache: redis() };\n`,
    });
    expect(Object.keys(await loadServicesConfig(path.join(dir, 'a.ts')))).toEqual(['cache']);
    expect(Object.keys(await loadServicesConfig(path.join(dir, 'b.mjs')))).toEqual(['cache']);
  });

  it('refuses a file that exports no services, or something else', async () => {
    const dir = project({ 'none.mjs': 'export const x = 1;\n', 'bad.mjs': 'export default { db: 42 };\n' });
    await expect(loadServicesConfig(path.join(dir, 'none.mjs'))).rejects.toThrow('exports no services');
    await expect(loadServicesConfig(path.join(dir, 'bad.mjs'))).rejects.toThrow(
      'service "db" is not a service declaration',
    );
  });
});
