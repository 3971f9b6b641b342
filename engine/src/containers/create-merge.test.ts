import { describe, expect, it } from 'vitest';
import type { ImageRecord } from '../images/image-record.js';
import { mergeCreateInput, mergeEnv, mergeHealthcheck, normaliseContainerName } from './create-merge.js';

const ID = 'a'.repeat(64);

function image(config: NonNullable<ImageRecord['config']['config']>): ImageRecord {
  return {
    id: `sha256:${'b'.repeat(64)}`,
    config: { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } },
    layers: [],
    repoTags: [],
    repoDigests: [],
    addedAt: 0,
    size: 0,
  };
}

describe('mergeCreateInput', () => {
  const base = image({
    Entrypoint: ['/entry'],
    Cmd: ['serve'],
    Env: ['PATH=/bin', 'A=image'],
    User: 'daemon',
    WorkingDir: '/srv',
    Labels: { l1: 'image', l2: 'image' },
    ExposedPorts: { '80/tcp': {} },
    Volumes: { '/data': {} },
    StopSignal: 'SIGQUIT',
  });

  it('inherits entrypoint, cmd, user, workdir and stop signal when the request leaves them out', () => {
    const spec = mergeCreateInput({ image: 'img' }, base, { id: ID, name: 'n' });
    expect(spec.entrypoint).toEqual(['/entry']);
    expect(spec.cmd).toEqual(['serve']);
    expect(spec.user).toBe('daemon');
    expect(spec.workingDir).toBe('/srv');
    expect(spec.stopSignal).toBe('SIGQUIT');
    expect(spec.hostname).toBe(ID.slice(0, 12));
  });

  it('drops the image cmd when the request gives an entrypoint', () => {
    const spec = mergeCreateInput({ image: 'img', entrypoint: ['/other'] }, base, { id: ID, name: 'n' });
    expect(spec.entrypoint).toEqual(['/other']);
    expect(spec.cmd).toEqual([]);
  });

  it('clears the image entrypoint for an explicit empty one but keeps the cmd', () => {
    const spec = mergeCreateInput({ image: 'img', entrypoint: [''], cmd: ['sh'] }, base, {
      id: ID,
      name: 'n',
    });
    expect(spec.entrypoint).toEqual([]);
    expect(spec.cmd).toEqual(['sh']);
  });

  it('keeps the image entrypoint when only cmd is given', () => {
    const spec = mergeCreateInput({ image: 'img', cmd: ['x'] }, base, { id: ID, name: 'n' });
    expect(spec.entrypoint).toEqual(['/entry']);
    expect(spec.cmd).toEqual(['x']);
  });

  it('merges env by key with the user winning, labels and ports as unions', () => {
    const spec = mergeCreateInput(
      {
        image: 'img',
        env: ['A=user', 'B=1'],
        labels: { l2: 'user', l3: 'user' },
        exposedPorts: [{ containerPort: 53, protocol: 'udp' }],
      },
      base,
      { id: ID, name: 'n' },
    );
    expect(spec.env).toEqual(['A=user', 'B=1', 'PATH=/bin']);
    expect(spec.labels).toEqual({ l1: 'image', l2: 'user', l3: 'user' });
    expect(spec.exposedPorts).toEqual([
      { containerPort: 80, protocol: 'tcp' },
      { containerPort: 53, protocol: 'udp' },
    ]);
  });

  it('turns image volumes into anonymous volume mounts unless a mount covers them', () => {
    const anon = mergeCreateInput({ image: 'img' }, base, { id: ID, name: 'n' });
    expect(anon.mounts).toEqual([
      { type: 'volume', name: '', target: '/data', readOnly: false, anonymous: true },
    ]);
    const covered = mergeCreateInput(
      { image: 'img', mounts: [{ type: 'tmpfs', target: '/data/', options: [] }] },
      base,
      { id: ID, name: 'n' },
    );
    expect(covered.mounts).toHaveLength(1);
  });

  it('refuses a container without any command', () => {
    expect(() => mergeCreateInput({ image: 'img' }, image({}), { id: ID, name: 'n' })).toThrow(
      /No command specified/,
    );
  });

  it('refuses a relative working directory and auto-remove with a restart policy', () => {
    expect(() => mergeCreateInput({ image: 'img', workingDir: 'rel' }, base, { id: ID, name: 'n' })).toThrow(
      /absolute path/,
    );
    expect(() =>
      mergeCreateInput(
        { image: 'img', autoRemove: true, restartPolicy: { name: 'always', maximumRetryCount: 0 } },
        base,
        { id: ID, name: 'n' },
      ),
    ).toThrow(/AutoRemove/);
  });
});

describe('mergeHealthcheck', () => {
  it('merges field by field and keeps NONE', () => {
    expect(mergeHealthcheck({ Interval: 5e9 }, { Test: ['CMD', 'true'], Interval: 1e9, Retries: 2 })).toEqual(
      {
        Test: ['CMD', 'true'],
        Interval: 5e9,
        Retries: 2,
        Timeout: undefined,
        StartPeriod: undefined,
        StartInterval: undefined,
      },
    );
    expect(mergeHealthcheck({ Test: ['NONE'] }, { Test: ['CMD', 'true'] })?.Test).toEqual(['NONE']);
  });
});

describe('names and env', () => {
  it('accepts Docker names with or without a slash and rejects others', () => {
    expect(normaliseContainerName('/web_1')).toBe('web_1');
    expect(() => normaliseContainerName('-bad')).toThrow(/Invalid container name/);
    expect(() => normaliseContainerName('a')).toThrow(/Invalid container name/);
  });

  it('keeps the user env order and appends image keys the user did not set', () => {
    expect(mergeEnv(['B=2', 'A'], ['A=1', 'C=3'])).toEqual(['B=2', 'A', 'C=3']);
    expect(mergeEnv([], ['A=1'])).toEqual(['A=1']);
  });
});
