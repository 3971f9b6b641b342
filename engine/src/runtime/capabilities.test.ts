import { describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  normalizeCapability,
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
