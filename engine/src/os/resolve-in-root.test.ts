import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileInRoot, resolveInRoot, UnsafePathError } from './resolve-in-root.js';

let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-resolve-'));
  root = path.join(base, 'rootfs');
  outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret'), 'host secret');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('resolveInRoot', () => {
  it('clamps .. and absolute symlinks at the root', async () => {
    await symlink('/../../outside/secret', path.join(root, 'etc', 'abs'));
    await symlink('../../../outside/secret', path.join(root, 'etc', 'rel'));
    expect(await resolveInRoot(root, '/../../outside/secret')).toBe(path.join(root, 'outside', 'secret'));
    expect(await resolveInRoot(root, '/etc/abs')).toBe(path.join(root, 'outside', 'secret'));
    expect(await resolveInRoot(root, '/etc/rel')).toBe(path.join(root, 'outside', 'secret'));
  });

  it('follows symlinks that stay inside', async () => {
    await mkdir(path.join(root, 'usr', 'share'), { recursive: true });
    await symlink('usr/share', path.join(root, 'link'));
    expect(await resolveInRoot(root, '/link/x')).toBe(path.join(root, 'usr', 'share', 'x'));
  });

  it('gives up on symlink loops', async () => {
    await symlink('b', path.join(root, 'a'));
    await symlink('a', path.join(root, 'b'));
    await expect(resolveInRoot(root, '/a')).rejects.toBeInstanceOf(UnsafePathError);
  });
});

describe('readFileInRoot', () => {
  it('never reads a host file through an absolute symlink', async () => {
    await symlink(path.join(outside, 'secret'), path.join(root, 'etc', 'passwd'));
    expect(await readFileInRoot(root, '/etc/passwd')).toBeUndefined();
  });

  it('never reads a host file through a symlinked directory', async () => {
    await rm(path.join(root, 'etc'), { recursive: true });
    await symlink('../../outside', path.join(root, 'etc'));
    expect(await readFileInRoot(root, '/etc/secret')).toBeUndefined();
  });

  it('reads files and refuses non-regular or oversized ones', async () => {
    await writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
    expect((await readFileInRoot(root, '/etc/passwd'))?.toString()).toContain('root:x:0:0');
    execFileSync('mkfifo', [path.join(root, 'etc', 'fifo')]);
    await expect(readFileInRoot(root, '/etc/fifo')).rejects.toThrow(/not a regular file/);
    await expect(readFileInRoot(root, '/etc/passwd', { maxBytes: 4 })).rejects.toThrow(/more than the 4/);
    await expect(readFileInRoot(root, '/etc')).rejects.toThrow(/not a regular file/);
  });
});
