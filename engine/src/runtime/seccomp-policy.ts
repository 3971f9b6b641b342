import { InvalidArgumentError } from '../errors.js';
import type { OciSeccomp, OciSeccompArg, OciSeccompSyscall, SeccompAction } from './oci-spec-types.js';

/**
 * A seccomp profile in Docker's JSON format (what `--security-opt seccomp=<file>` carries): rules
 * may apply only with certain capabilities, architectures or kernels. `compileSeccomp` turns it
 * into the plain OCI `linux.seccomp` for one container.
 */
export interface SeccompPolicy {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  syscalls: SeccompRule[];
}

export interface SeccompRule {
  names?: string[];
  /** Old single-name form. */
  name?: string;
  action: SeccompAction;
  errnoRet?: number;
  args?: OciSeccompArg[] | null;
  comment?: string;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[] };
}

export interface SeccompTarget {
  /** The container's bounding capabilities (`CAP_*`). */
  capabilities: readonly string[];
  /** Node's `process.arch`. */
  arch: string;
  /** Kernel release, e.g. `6.18.44`. */
  kernel: string;
}

/** Node's arch → the native libseccomp arch and the Docker arch names rules use. */
const ARCHES: Record<string, { native: string; docker: string[] }> = {
  x64: { native: 'SCMP_ARCH_X86_64', docker: ['amd64', 'x86_64'] },
  arm64: { native: 'SCMP_ARCH_AARCH64', docker: ['arm64', 'aarch64'] },
  ia32: { native: 'SCMP_ARCH_X86', docker: ['x86', '386'] },
  arm: { native: 'SCMP_ARCH_ARM', docker: ['arm'] },
};

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string) =>
    v
      .split(/[.-]/)
      .slice(0, 2)
      .map((n) => Number.parseInt(n, 10) || 0);
  const [kMajor = 0, kMinor = 0] = parse(kernel);
  const [mMajor = 0, mMinor = 0] = parse(min);
  return kMajor > mMajor || (kMajor === mMajor && kMinor >= mMinor);
}

function applies(rule: SeccompRule, target: SeccompTarget, dockerArches: string[]): boolean {
  const { includes = {}, excludes = {} } = rule;
  if (excludes.caps?.some((c) => target.capabilities.includes(c))) return false;
  if (excludes.arches?.some((a) => dockerArches.includes(a))) return false;
  if (includes.caps && !includes.caps.every((c) => target.capabilities.includes(c))) return false;
  if (includes.arches && !includes.arches.some((a) => dockerArches.includes(a))) return false;
  if (includes.minKernel && !kernelAtLeast(target.kernel, includes.minKernel)) return false;
  return true;
}

export function compileSeccomp(policy: SeccompPolicy, target: SeccompTarget): OciSeccomp {
  const arch = ARCHES[target.arch];
  if (!arch) throw new InvalidArgumentError(`no seccomp architecture mapping for ${target.arch}`);
  let architectures = policy.architectures ?? [];
  const mapped = policy.archMap?.find((m) => m.architecture === arch.native);
  if (mapped) architectures = [mapped.architecture, ...mapped.subArchitectures];

  const syscalls: OciSeccompSyscall[] = [];
  for (const rule of policy.syscalls) {
    if (!applies(rule, target, arch.docker)) continue;
    const names = rule.names ?? (rule.name ? [rule.name] : []);
    if (names.length === 0) throw new InvalidArgumentError('seccomp rule without syscall names');
    const compiled: OciSeccompSyscall = { names, action: rule.action };
    if (rule.errnoRet !== undefined) compiled.errnoRet = rule.errnoRet;
    if (rule.args && rule.args.length > 0) compiled.args = rule.args;
    syscalls.push(compiled);
  }
  const result: OciSeccomp = { defaultAction: policy.defaultAction, architectures, syscalls };
  if (policy.defaultErrnoRet !== undefined) result.defaultErrnoRet = policy.defaultErrnoRet;
  return result;
}

/** Parses a Docker-format profile passed as `seccomp=<json>` (the docker CLI sends the file's content). */
export function parseSeccompPolicy(json: string): SeccompPolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err: unknown) {
    throw new InvalidArgumentError('seccomp profile is not valid JSON', { cause: err });
  }
  const p = parsed as Partial<SeccompPolicy> | null;
  if (!p || typeof p.defaultAction !== 'string' || (p.syscalls !== undefined && !Array.isArray(p.syscalls))) {
    throw new InvalidArgumentError('seccomp profile needs a string defaultAction and a syscalls array');
  }
  return { ...p, defaultAction: p.defaultAction, syscalls: p.syscalls ?? [] };
}
