import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { minimalContainerSpec } from './minimal-container-spec.js';
import { buildOciSpec } from './oci-spec.js';
import type { OciSeccomp } from './oci-spec-types.js';
import { SECCOMP_BPF_ANNOTATION, SeccompBpfCache } from './seccomp-bpf-cache.js';

const inputs = {
  containerId: 'c1',
  rootfsPath: '/r',
  user: { uid: 0, gid: 0, additionalGids: [], home: '/', username: 'root' },
  etcFiles: {},
  cgroupsPath: '/skiff/t/c1',
  host: { arch: 'x64', kernel: '6.1', hostname: 'h' },
};

describe('SeccompBpfCache', () => {
  it('compiles each distinct profile once and annotates specs with it', async () => {
    const compiled: OciSeccomp[] = [];
    const cache = new SeccompBpfCache(async (s) => {
      compiled.push(s);
      return Buffer.from(`bpf-${compiled.length}`);
    }, silentLogger());
    const a = buildOciSpec(minimalContainerSpec(), inputs);
    const b = buildOciSpec(minimalContainerSpec({ name: 'other' }), inputs);
    const c = buildOciSpec(minimalContainerSpec({ capAdd: ['SYS_ADMIN'] }), inputs);
    const [ra, rb, rc] = await Promise.all([cache.annotate(a), cache.annotate(b), cache.annotate(c)]);
    expect(compiled).toHaveLength(2);
    expect(ra.annotations?.[SECCOMP_BPF_ANNOTATION]).toBe(Buffer.from('bpf-1').toString('base64'));
    expect(rb.annotations?.[SECCOMP_BPF_ANNOTATION]).toBe(ra.annotations?.[SECCOMP_BPF_ANNOTATION]);
    expect(rc.annotations?.[SECCOMP_BPF_ANNOTATION]).toBe(Buffer.from('bpf-2').toString('base64'));
    expect(ra.linux.seccomp).toEqual(a.linux.seccomp);
    expect(a.annotations).toBeUndefined();
  });

  it('leaves specs without a profile, or whose profile failed to compile, to the runtime', async () => {
    let calls = 0;
    const cache = new SeccompBpfCache(async () => {
      calls++;
      throw new Error('no libseccomp');
    }, silentLogger());
    const confined = buildOciSpec(minimalContainerSpec(), inputs);
    expect(await cache.annotate(confined)).toBe(confined);
    expect(await cache.annotate(confined)).toBe(confined);
    expect(calls).toBe(1);
    const unconfined = buildOciSpec(minimalContainerSpec({ securityOpt: ['seccomp=unconfined'] }), inputs);
    expect(await cache.annotate(unconfined)).toBe(unconfined);
  });

  it('refuses run.oci.* annotations from anyone but the runtime driver', () => {
    expect(() =>
      buildOciSpec(minimalContainerSpec(), { ...inputs, annotations: { [SECCOMP_BPF_ANNOTATION]: 'AAAA' } }),
    ).toThrow(/reserved for the runtime/);
  });
});
