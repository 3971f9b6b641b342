import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import type { OciSeccomp } from './oci-spec-types.js';
import { compileSeccomp, parseSeccompPolicy } from './seccomp-policy.js';
import { defaultSeccompProfile } from './seccomp-profile.js';

const target = { capabilities: DEFAULT_CAPABILITIES, arch: 'x64', kernel: '6.18.44-fc' };

function allowed(profile: OciSeccomp, name: string): boolean {
  return profile.syscalls.some((s) => s.names.includes(name) && s.action === 'SCMP_ACT_ALLOW' && !s.args);
}

describe('defaultSeccompProfile', () => {
  it('denies by default with EPERM for x86_64, x86 and x32', () => {
    const p = defaultSeccompProfile(target);
    expect(p.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(p.defaultErrnoRet).toBe(1);
    expect(p.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(defaultSeccompProfile({ ...target, arch: 'arm64' }).architectures).toEqual([
      'SCMP_ARCH_AARCH64',
      'SCMP_ARCH_ARM',
    ]);
  });

  it('allows everyday syscalls and refuses keyring, namespaces and mounts without CAP_SYS_ADMIN', () => {
    const p = defaultSeccompProfile(target);
    for (const ok of ['read', 'openat', 'execve', 'clock_gettime', 'arch_prctl', 'ptrace'])
      expect(allowed(p, ok)).toBe(true);
    for (const no of [
      'keyctl',
      'add_key',
      'request_key',
      'unshare',
      'setns',
      'mount',
      'io_uring_setup',
      'kexec_load',
    ]) {
      expect(p.syscalls.some((s) => s.names.includes(no) && s.action === 'SCMP_ACT_ALLOW')).toBe(false);
    }
    const clone = p.syscalls.find((s) => s.names.includes('clone'));
    expect(clone?.args).toEqual([{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
    expect(p.syscalls.find((s) => s.names.includes('clone3'))).toMatchObject({
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
    });
  });

  it('opens capability-gated syscalls when the capability is granted', () => {
    const p = defaultSeccompProfile({
      ...target,
      capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_TIME'],
    });
    expect(allowed(p, 'unshare')).toBe(true);
    expect(allowed(p, 'mount')).toBe(true);
    expect(allowed(p, 'clone')).toBe(true);
    expect(allowed(p, 'clock_settime')).toBe(true);
    expect(p.syscalls.some((s) => s.names.includes('clone3') && s.action === 'SCMP_ACT_ERRNO')).toBe(false);
  });

  it('keeps ptrace closed on kernels older than 4.8, and arm-only calls off x86', () => {
    const old = defaultSeccompProfile({ ...target, kernel: '4.4.0' });
    expect(allowed(old, 'ptrace')).toBe(false);
    expect(allowed(defaultSeccompProfile(target), 'cacheflush')).toBe(false);
    expect(allowed(defaultSeccompProfile({ ...target, arch: 'arm64' }), 'cacheflush')).toBe(true);
    expect(allowed(defaultSeccompProfile({ ...target, arch: 'arm64' }), 'arch_prctl')).toBe(false);
  });

  it('allows socket for every family except AF_ALG and AF_VSOCK', () => {
    const rules = defaultSeccompProfile(target).syscalls.filter((s) => s.names.includes('socket'));
    const permits = (family: number) =>
      rules.some((r) =>
        (r.args ?? []).every((a) =>
          a.op === 'SCMP_CMP_LT'
            ? family < a.value
            : a.op === 'SCMP_CMP_GT'
              ? family > a.value
              : family === a.value,
        ),
      );
    expect([1, 2, 10, 16, 17, 39, 41].every(permits)).toBe(true);
    expect(permits(38)).toBe(false);
    expect(permits(40)).toBe(false);
  });
});

describe('custom profiles', () => {
  it('compiles a Docker-format profile with archMap, names and includes', () => {
    const policy = parseSeccompPolicy(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
        syscalls: [
          { name: 'mkdir', action: 'SCMP_ACT_ERRNO' },
          { names: ['chmod'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_ADMIN'] } },
        ],
      }),
    );
    expect(compileSeccomp(policy, target)).toEqual({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    });
  });

  it('rejects profiles that are not JSON or lack a default action', () => {
    expect(() => parseSeccompPolicy('{')).toThrow(/not valid JSON/);
    expect(() => parseSeccompPolicy('{"syscalls":[]}')).toThrow(/defaultAction/);
  });
});
