import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { HealthConfig, ImageRunConfig } from '../images/image-config.js';
import type { ImageRecord } from '../images/image-record.js';
import { DEFAULT_SHM_SIZE } from '../runtime/oci-mounts.js';
import type { ContainerCreateInput } from './container-service.js';
import type { ContainerSpec, MountSpec, PortSpec } from './container-spec.js';
import { parseLogConfig } from './log-options.js';

/** moby's container name rule (`daemon/names.go`). */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Strips one leading `/` (the API form) and checks Docker's name grammar. */
export function normaliseContainerName(raw: string): string {
  const name = raw.startsWith('/') ? raw.slice(1) : raw;
  if (!NAME_RE.test(name)) {
    throw new InvalidArgumentError(
      `Invalid container name (${raw}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  return name;
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** moby `daemon/commit.go` merge: user values first, then image values whose key the user did not set. */
export function mergeEnv(user: readonly string[], image: readonly string[]): string[] {
  if (user.length === 0) return [...image];
  const keys = new Set(user.map(envKey));
  return [...user, ...image.filter((e) => !keys.has(envKey(e)))];
}

export function parsePortKey(key: string): PortSpec {
  const [portText, protoText = 'tcp'] = key.split('/');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (protoText !== 'tcp' && protoText !== 'udp')) {
    throw new InvalidArgumentError(`invalid exposed port ${JSON.stringify(key)}: expected PORT[/tcp|/udp]`);
  }
  return { containerPort: port, protocol: protoText };
}

function mergePorts(user: readonly PortSpec[], image: ImageRunConfig['ExposedPorts']): PortSpec[] {
  const out = new Map<string, PortSpec>();
  for (const key of Object.keys(image ?? {})) {
    const p = parsePortKey(key);
    out.set(`${p.containerPort}/${p.protocol}`, p);
  }
  for (const p of user) out.set(`${p.containerPort}/${p.protocol}`, p);
  return [...out.values()];
}

/**
 * Field-wise merge (moby `merge`): the user's Test wins when non-empty, each zero duration takes the
 * image's. `Test: ["NONE"]` is kept as is: it means "disabled" and hides the image's check.
 */
export function mergeHealthcheck(
  user: HealthConfig | undefined,
  image: HealthConfig | undefined,
): HealthConfig | undefined {
  if (!user) return image ? { ...image } : undefined;
  if (!image) return { ...user };
  const merged: HealthConfig = { ...user };
  if (!user.Test || user.Test.length === 0) merged.Test = image.Test;
  for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    if (!user[key]) merged[key] = image[key];
  }
  return merged;
}

/** A healthcheck that actually runs (has a test other than NONE). */
export function activeHealthcheck(spec: ContainerSpec): HealthConfig | undefined {
  const hc = spec.healthcheck;
  if (!hc?.Test || hc.Test.length === 0 || hc.Test[0] === 'NONE') return undefined;
  return hc;
}

function checkAbsolute(p: string, what: string): void {
  if (!path.posix.isAbsolute(p)) {
    throw new InvalidArgumentError(`the ${what} '${p}' is invalid, it needs to be an absolute path`);
  }
}

function cleanTarget(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** `--entrypoint ""` arrives as `[""]`: an explicit empty entrypoint. */
function normaliseEntrypoint(ep: string[] | null | undefined): string[] | undefined {
  if (ep === null || ep === undefined) return undefined;
  if (ep.length === 1 && ep[0] === '') return [];
  return ep;
}

/**
 * Builds the container's spec from a create request and its image, with moby's merge rules:
 * User/WorkingDir from the image when empty; ExposedPorts, Env and Labels are unions where the
 * user wins; an explicit non-empty Entrypoint drops the image Cmd, a nil Entrypoint inherits the
 * image's; Healthcheck merges field by field; image Volumes become anonymous volumes.
 */
export function mergeCreateInput(
  input: ContainerCreateInput,
  image: ImageRecord,
  ids: { id: string; name: string },
): ContainerSpec {
  const ic: ImageRunConfig = image.config.config ?? {};
  const userEntrypoint = normaliseEntrypoint(input.entrypoint);
  const userCmd = input.cmd ?? [];
  let entrypoint: string[];
  let cmd: string[];
  if (userEntrypoint && userEntrypoint.length > 0) {
    entrypoint = userEntrypoint;
    cmd = userCmd;
  } else {
    cmd = userCmd.length > 0 ? userCmd : (ic.Cmd ?? []);
    entrypoint = userEntrypoint ?? ic.Entrypoint ?? [];
  }
  if (entrypoint.length + cmd.length === 0) {
    throw new InvalidArgumentError(
      'No command specified: the image has no Cmd or Entrypoint and none was given',
    );
  }
  const workingDir = input.workingDir || ic.WorkingDir || '';
  if (workingDir) checkAbsolute(workingDir, 'working directory');

  const mounts: MountSpec[] = [...(input.mounts ?? [])];
  for (const m of mounts) checkAbsolute(m.target, 'mount destination');
  const volumes = [...new Set([...Object.keys(ic.Volumes ?? {}), ...(input.volumes ?? [])])];
  const covered = new Set(mounts.map((m) => cleanTarget(m.target)));
  for (const v of volumes) {
    checkAbsolute(v, 'volume destination');
    if (covered.has(cleanTarget(v))) continue;
    mounts.push({ type: 'volume', name: '', target: v, readOnly: false, anonymous: true });
  }

  const restartPolicy = input.restartPolicy ?? { name: 'no', maximumRetryCount: 0 };
  if (input.autoRemove && restartPolicy.name !== 'no') {
    throw new InvalidArgumentError(
      `can't create 'AutoRemove' container with restart policy '${restartPolicy.name}': use one or the other`,
    );
  }
  if (restartPolicy.name !== 'on-failure' && restartPolicy.maximumRetryCount > 0) {
    throw new InvalidArgumentError(
      `maximum retry count cannot be used with restart policy '${restartPolicy.name}'`,
    );
  }
  const logDriver = input.logDriver || 'json-file';
  const logOptions = { ...(input.logOptions ?? {}) };
  parseLogConfig(logDriver, logOptions);

  return {
    name: ids.name,
    image: input.image,
    imageId: image.id,
    entrypoint,
    cmd,
    env: mergeEnv(input.env ?? [], ic.Env ?? []),
    workingDir,
    user: input.user || ic.User || '',
    hostname: input.hostname || ids.id.slice(0, 12),
    domainname: input.domainname ?? '',
    labels: { ...(ic.Labels ?? {}), ...(input.labels ?? {}) },
    tty: input.tty ?? false,
    openStdin: input.openStdin ?? false,
    stdinOnce: input.stdinOnce ?? false,
    attachStdin: input.attachStdin ?? false,
    attachStdout: input.attachStdout ?? false,
    attachStderr: input.attachStderr ?? false,
    exposedPorts: mergePorts(input.exposedPorts ?? [], ic.ExposedPorts),
    stopSignal: input.stopSignal || ic.StopSignal || 'SIGTERM',
    stopTimeout: input.stopTimeout,
    healthcheck: mergeHealthcheck(input.healthcheck, ic.Healthcheck),
    volumes,
    mounts,
    readonlyRootfs: input.readonlyRootfs ?? false,
    resources: { ...(input.resources ?? {}) },
    shmSize: input.shmSize || DEFAULT_SHM_SIZE,
    privileged: input.privileged ?? false,
    capAdd: input.capAdd ?? [],
    capDrop: input.capDrop ?? [],
    securityOpt: input.securityOpt ?? [],
    ulimits: input.ulimits ?? [],
    sysctls: input.sysctls ?? {},
    ipcMode: input.ipcMode || 'private',
    pidMode: input.pidMode ?? '',
    init: input.init ?? false,
    groupAdd: input.groupAdd ?? [],
    consoleSize: input.consoleSize,
    networkMode: input.networkMode || 'bridge',
    endpoints: input.endpoints ?? [],
    portBindings: input.portBindings ?? [],
    publishAllPorts: input.publishAllPorts ?? false,
    extraHosts: input.extraHosts ?? [],
    dns: input.dns ?? [],
    dnsSearch: input.dnsSearch ?? [],
    dnsOptions: input.dnsOptions ?? [],
    autoRemove: input.autoRemove ?? false,
    restartPolicy,
    logDriver,
    logOptions,
  };
}
