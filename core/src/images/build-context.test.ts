import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extract } from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { mayMatchBelow, packBuildContext } from './build-context.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function names(contextDir: string, dockerfile = 'Dockerfile'): Promise<string[]> {
  const stream = await packBuildContext(contextDir, dockerfile);
  const out: string[] = [];
  const ex = extract();
  ex.on('entry', (h, s, next) => {
    if (h.type === 'file') out.push(h.name);
    s.resume();
    s.on('end', next);
  });
  await new Promise((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    stream.pipe(ex as unknown as NodeJS.WritableStream);
  });
  return out.sort();
}

function tree(files: Record<string, string>): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('packBuildContext', () => {
  it('applies .dockerignore like Docker: globs, ** , exceptions, and always sends the Dockerfile', async () => {
    const ctx = tree({
      Dockerfile: 'FROM x',
      '.dockerignore': '# comment\n*.md\n**/*.tmp\nbuild\n!build/keep.txt\nDockerfile\n',
      'README.md': '',
      'src/a.ts': '',
      'src/deep/b.tmp': '',
      'build/out.js': '',
      'build/keep.txt': '',
    });
    expect(await names(ctx)).toEqual(['.dockerignore', 'Dockerfile', 'build/keep.txt', 'src/a.ts']);
  });

  it('prunes ignored directories no exception reaches into', async () => {
    const ctx = tree({
      Dockerfile: '',
      '.dockerignore': 'node_modules\n!keep.txt\n',
      'node_modules/x/i.js': '',
      'keep.txt': '',
    });
    expect(await names(ctx)).toEqual(['.dockerignore', 'Dockerfile', 'keep.txt']);
  });

  it('keeps a Dockerfile under another name and rejects a missing one', async () => {
    const ctx = tree({ 'docker/App.dockerfile': '', '.dockerignore': 'docker\n' });
    expect(await names(ctx, 'docker/App.dockerfile')).toEqual(['.dockerignore', 'docker/App.dockerfile']);
    await expect(packBuildContext(ctx, 'Dockerfile')).rejects.toThrow(/Dockerfile .* does not exist/);
  });

  it('decides which ignored directories an exception can reach into', () => {
    expect(mayMatchBelow('build/keep.txt', 'build')).toBe(true);
    expect(mayMatchBelow('*/keep.txt', 'anything')).toBe(true);
    expect(mayMatchBelow('keep.txt', 'node_modules')).toBe(false);
    expect(mayMatchBelow('**/x', 'a/b')).toBe(true);
  });
});
