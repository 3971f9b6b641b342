import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostPathOf, resolveContainerPath } from './container-path.js';

let dir: string;
let root: string;
let volume: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-cpath-'));
  root = path.join(dir, 'root');
  volume = path.join(dir, 'volume');
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await mkdir(path.join(root, 'data'), { recursive: true });
  await mkdir(volume, { recursive: true });
  await writeFile(path.join(root, 'etc', 'os'), 'x');
  await symlink('/etc', path.join(root, 'abs'));
  await symlink('../../../../..', path.join(root, 'climb'));
  await symlink(dir, path.join(root, 'hostdir'));
  await symlink('loop2', path.join(root, 'loop1'));
  await symlink('loop1', path.join(root, 'loop2'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveContainerPath', () => {
  const view = () => ({ root, mounts: [{ destination: '/data', source: volume }] });

  it('follows absolute symlinks from the container root, not the host root', async () => {
    expect(await resolveContainerPath(view(), '/abs/os', { followFinal: true })).toEqual({
      containerPath: '/etc/os',
      hostPath: path.join(root, 'etc', 'os'),
    });
    const escaped = await resolveContainerPath(view(), '/hostdir/root', { followFinal: true });
    expect(escaped.hostPath).toBe(path.join(root, dir, 'root'));
  });

  it('stops .. at the container root', async () => {
    expect((await resolveContainerPath(view(), '/climb/etc/os', { followFinal: true })).containerPath).toBe(
      '/etc/os',
    );
    expect((await resolveContainerPath(view(), '/../../etc', { followFinal: true })).containerPath).toBe(
      '/etc',
    );
  });

  it('leaves the final symlink alone unless asked to follow it', async () => {
    expect((await resolveContainerPath(view(), '/abs', { followFinal: false })).containerPath).toBe('/abs');
    expect((await resolveContainerPath(view(), '/abs', { followFinal: true })).containerPath).toBe('/etc');
  });

  it('maps paths below a mount to its source and gives up on symlink loops', async () => {
    expect(hostPathOf(view(), '/data/x')).toBe(path.join(volume, 'x'));
    expect(hostPathOf(view(), '/database')).toBe(path.join(root, 'database'));
    await expect(resolveContainerPath(view(), '/loop1/x', { followFinal: true })).rejects.toThrow(
      /too many levels/,
    );
  });
});
