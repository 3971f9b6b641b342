import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { contextFilterFromPatterns, createContextFilter } from './context-filter.js';
import { walkContext } from './walk-context.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-context-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tree(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function sent(dockerfile = 'Dockerfile'): Promise<string[]> {
  const filter = await createContextFilter(dir, dockerfile);
  const out: string[] = [];
  for await (const entry of walkContext(dir, filter))
    out.push(entry.stats.isDirectory() ? `${entry.relPath}/` : entry.relPath);
  return out;
}

describe('createContextFilter', () => {
  it('sends everything when there is no .dockerignore', async () => {
    await tree({ Dockerfile: 'FROM scratch', 'src/a.ts': '', '.git/HEAD': '' });
    expect(await sent()).toEqual(['.git/', '.git/HEAD', 'Dockerfile', 'src/', 'src/a.ts']);
  });

  it('applies patterns, always sending the Dockerfile and the .dockerignore', async () => {
    await tree({
      '.dockerignore': '*\n!src\n',
      Dockerfile: '',
      'README.md': '',
      'src/index.ts': '',
      'src/lib/util.ts': '',
    });
    expect(await sent()).toEqual([
      '.dockerignore',
      'Dockerfile',
      'src/',
      'src/index.ts',
      'src/lib/',
      'src/lib/util.ts',
    ]);
  });

  it('re-includes a directory tree under an excluded parent', async () => {
    await tree({
      '.dockerignore': '*\n!keep/**\n',
      Dockerfile: '',
      'keep/a.txt': '',
      'keep/deep/b.txt': '',
      'drop/c.txt': '',
    });
    // `keep` itself matches `*` and is not sent as an entry, but its contents are.
    expect(await sent()).toEqual([
      '.dockerignore',
      'Dockerfile',
      'keep/a.txt',
      'keep/deep/',
      'keep/deep/b.txt',
    ]);
  });

  it('excludes logs everywhere except the re-included one, last match winning', async () => {
    await tree({
      '.dockerignore': '**/*.log\n!important.log\nlogs/important.log\n',
      Dockerfile: '',
      'important.log': '',
      'debug.log': '',
      'logs/important.log': '',
      'logs/app.log': '',
      'logs/readme.txt': '',
    });
    expect(await sent()).toEqual([
      '.dockerignore',
      'Dockerfile',
      'important.log',
      'logs/',
      'logs/readme.txt',
    ]);
  });

  it('re-includes a file deep under an excluded directory when the exception names its path', async () => {
    await tree({
      '.dockerignore': 'vendor\n!vendor/keep/me.txt\n',
      Dockerfile: '',
      'vendor/keep/me.txt': '',
      'vendor/keep/not-me.txt': '',
      'vendor/other/x.txt': '',
    });
    expect(await sent()).toEqual(['.dockerignore', 'Dockerfile', 'vendor/keep/me.txt']);
  });

  it('does not enter an excluded directory for an exception that does not name it (as Docker)', async () => {
    await tree({
      '.dockerignore': 'vendor\n!**/keep.txt\n',
      Dockerfile: '',
      'vendor/keep.txt': '',
      'keep.txt': '',
    });
    expect(await sent()).toEqual(['.dockerignore', 'Dockerfile', 'keep.txt']);
  });

  it('sends a Dockerfile in an excluded directory and prefers its own .dockerignore', async () => {
    await tree({
      '.dockerignore': 'docker\n',
      'docker/app.Dockerfile': '',
      'docker/app.Dockerfile.dockerignore': 'docker\n*.md\n',
      'docker/notes.md': '',
      'README.md': '',
      'main.go': '',
    });
    const filter = await createContextFilter(dir, join(dir, 'docker/app.Dockerfile'));
    expect(filter.ignoreFile).toBe(join(dir, 'docker/app.Dockerfile.dockerignore'));
    expect(filter.patterns).toEqual([
      'docker',
      '*.md',
      '!docker/app.Dockerfile.dockerignore',
      '!docker/app.Dockerfile',
    ]);
    // The root .dockerignore is an ordinary file here: the Dockerfile's own ignore file applies.
    expect(await sent('docker/app.Dockerfile')).toEqual([
      '.dockerignore',
      'docker/app.Dockerfile',
      'docker/app.Dockerfile.dockerignore',
      'main.go',
    ]);
  });

  it('needs no exception for a Dockerfile outside the context', async () => {
    await tree({ '.dockerignore': 'secret\n', secret: '', ok: '' });
    const filter = await createContextFilter(dir, '/elsewhere/Dockerfile');
    expect(filter.patterns).toEqual(['secret']);
    expect(filter.includes('ok')).toBe(true);
    expect(filter.includes('secret')).toBe(false);
  });

  it('reports symlinks as links without following them', async () => {
    await tree({ Dockerfile: '', 'real/file': '' });
    await symlink('/etc', join(dir, 'escape'));
    const filter = await createContextFilter(dir);
    const entries = [];
    for await (const entry of walkContext(dir, filter))
      entries.push([entry.relPath, entry.stats.isSymbolicLink()]);
    expect(entries).toEqual([
      ['Dockerfile', false],
      ['escape', true],
      ['real', false],
      ['real/file', false],
    ]);
  });

  it('refuses an invalid pattern naming the ignore file', async () => {
    await tree({ '.dockerignore': 'ok\n[\n', Dockerfile: '' });
    await expect(createContextFilter(dir)).rejects.toThrow(InvalidArgumentError);
    await expect(createContextFilter(dir)).rejects.toThrow(`${join(dir, '.dockerignore')}: bad pattern "["`);
  });
});

describe('contextFilterFromPatterns', () => {
  it('answers for paths without touching the disk', () => {
    const filter = contextFilterFromPatterns(['*', '!keep/**', 'keep/tmp']);
    expect(filter.includes('keep/a')).toBe(true);
    expect(filter.includes('keep/tmp/x')).toBe(false);
    expect(filter.includes('keep')).toBe(false);
    expect(filter.mustWalk('keep')).toBe(true);
    expect(filter.mustWalk('other')).toBe(false);
    expect(filter.includes('other/x')).toBe(false);
    expect(filter.includes('./keep//a/')).toBe(true);
  });
});
