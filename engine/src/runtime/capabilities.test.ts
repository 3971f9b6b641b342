import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  capabilitiesFromMask,
  DEFAULT_CAPABILITIES,
  normalizeCapability,
  readBoundingCapabilities,
  resolveCapabilities,
} from './capabilities.js';

describe('resolveCapabilities', () => {
  it("gives Docker's 14 by default", () => {
    expect(resolveCapabilities([], [], false)).toHaveLength(14);
    expect(resolveCapabilities([], [], false)).toEqual(DEFAULT_CAPABILITIES);
  });

  it('adds and drops with or without the CAP_ prefix, in any case', () => {
    const caps = resolveCapabilities(['net_admin', 'CAP_SYS_PTRACE'], ['chown', 'CAP_NET_RAW'], false);
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).toContain('CAP_SYS_PTRACE');
    expect(caps).not.toContain('CAP_CHOWN');
    expect(caps).not.toContain('CAP_NET_RAW');
    expect(caps).toHaveLength(14);
  });

  it('handles ALL on either side', () => {
    expect(resolveCapabilities(['ALL'], ['sys_admin'], false)).toEqual(
      ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN'),
    );
    expect(resolveCapabilities(['NET_BIND_SERVICE'], ['all'], false)).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(resolveCapabilities([], ['ALL'], false)).toEqual([]);
  });

  it('gives privileged containers every capability the kernel knows', () => {
    expect(resolveCapabilities([], ['ALL'], true)).toEqual([...ALL_CAPABILITIES]);
    expect(resolveCapabilities([], [], true, 37)).toHaveLength(38);
  });

  it('rejects unknown names', () => {
    expect(() => normalizeCapability('CAP_FLY')).toThrow(/unknown capability: "CAP_FLY"/);
  });
});

describe('bounding set', () => {
  it('decodes /proc status masks', () => {
    expect(capabilitiesFromMask('0000000000000003')).toEqual(['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
    expect(capabilitiesFromMask('000001ffffffffff')).toEqual([...ALL_CAPABILITIES]);
  });

  it('limits privileged and ALL to what the engine holds', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'skiff-caps-'));
    try {
      await writeFile(path.join(dir, 'status'), 'Name:\tnode\nCapBnd:\t000001fffeffffff\n');
      const bounding = await readBoundingCapabilities(path.join(dir, 'status'));
      expect(bounding).not.toContain('CAP_SYS_RESOURCE');
      expect(bounding).toHaveLength(40);
      expect(resolveCapabilities([], [], true, bounding)).toEqual(bounding);
      expect(resolveCapabilities(['ALL'], ['CHOWN'], false, bounding)).toHaveLength(39);
      expect(await readBoundingCapabilities(path.join(dir, 'missing'))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
