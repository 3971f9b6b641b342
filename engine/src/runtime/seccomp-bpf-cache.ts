import { createHash } from 'node:crypto';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OciSeccomp, OciSpec } from './oci-spec-types.js';

/** crun's annotation for a precompiled filter: it then skips compiling `linux.seccomp` itself. */
export const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

/**
 * Compiled seccomp filters by profile. libseccomp compiling Docker's ~400-syscall allow-list costs
 * crun 10–20 ms on every start here (more than the rest of `crun run`); the filter only depends on
 * the profile, so it is compiled once per distinct profile (in practice: per capability set) and
 * handed to crun as `run.oci.seccomp_bpf_data`. The profile stays in the spec for inspection and
 * for runc. A failed compile is remembered as "no cache": crun then compiles as usual.
 */
export class SeccompBpfCache {
  private readonly entries = new Map<string, Promise<Buffer | undefined>>();

  constructor(
    private readonly compile: (seccomp: OciSeccomp) => Promise<Buffer>,
    private readonly logger: Logger,
  ) {}

  static key(seccomp: OciSeccomp): string {
    return createHash('sha256').update(JSON.stringify(seccomp)).digest('hex');
  }

  get(seccomp: OciSeccomp): Promise<Buffer | undefined> {
    const key = SeccompBpfCache.key(seccomp);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.compile(seccomp).catch((err: unknown) => {
        this.logger.warn(
          { err: errorMessage(err) },
          'precompiling seccomp failed; the runtime compiles it per start',
        );
        return undefined;
      });
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** `spec` with the precompiled filter annotated, when there is a profile and it compiled. */
  async annotate(spec: OciSpec): Promise<OciSpec> {
    const seccomp = spec.linux.seccomp;
    if (!seccomp) return spec;
    const bpf = await this.get(seccomp);
    if (!bpf) return spec;
    return {
      ...spec,
      annotations: { ...spec.annotations, [SECCOMP_BPF_ANNOTATION]: bpf.toString('base64') },
    };
  }
}
