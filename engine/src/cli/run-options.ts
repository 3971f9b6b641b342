import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  ContainerCreateBody,
  WireEndpointSettings,
  WireHostConfig,
  WireMount,
  WirePortBinding,
} from '../api/wire/container-wire.js';
import type { CreateFlags } from './run-flags.js';
import { keyValues, parseBytes, parseDurationNs, parseIntFlag, UsageError } from './units.js';

/** `-e KEY=VALUE`, or `-e KEY` which takes KEY from this environment (dropped when unset), as docker does. */
export function parseEnvEntry(entry: string, env: NodeJS.ProcessEnv): string | undefined {
  if (entry.includes('=')) {
    if (entry.startsWith('=')) throw new UsageError(`invalid environment variable: ${entry}`);
    return entry;
  }
  const value = env[entry];
  return value === undefined ? undefined : `${entry}=${value}`;
}

export function readEnvFile(file: string, env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
    );
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trimStart())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => parseEnvEntry(l, env))
    .filter((e): e is string => e !== undefined);
}

function parseRange(text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start < 0 || end > 65535 || end < start)
    throw new UsageError(`invalid ${what}: ${JSON.stringify(text)}`);
  return [start, end];
}

/**
 * `-p` specs (docker/go-connections `nat.ParsePortSpec`): `80`, `8080:80`, `127.0.0.1:8080:80/udp`,
 * `127.0.0.1::80`, `[::1]:8080:80`, ranges `8000-8001:80-81`.
 */
export function parsePublish(spec: string): { key: string; binding: WirePortBinding }[] {
  let rest = spec;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  if (proto !== 'tcp' && proto !== 'udp') throw new UsageError(`invalid proto: ${proto}`);
  let ip = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') throw new UsageError(`invalid IP address in ${spec}`);
    ip = rest.slice(1, close);
    rest = rest.slice(close + 2);
    const parts = rest.split(':');
    if (parts.length !== 2) throw new UsageError(`invalid port specification: ${JSON.stringify(spec)}`);
    rest = parts.join(':');
  }
  const parts = rest.split(':');
  let hostText = '';
  let containerText: string;
  if (parts.length === 1) containerText = parts[0] ?? '';
  else if (parts.length === 2) [hostText = '', containerText = ''] = parts;
  else if (parts.length === 3 && ip === '') [ip = '', hostText = '', containerText = ''] = parts;
  else throw new UsageError(`invalid port specification: ${JSON.stringify(spec)}`);
  const [cStart, cEnd] = parseRange(containerText, 'containerPort');
  const host = hostText === '' ? undefined : parseRange(hostText, 'hostPort');
  if (host && host[1] - host[0] !== cEnd - cStart) {
    throw new UsageError(
      `invalid ranges specified for container and host Ports: ${containerText} and ${hostText}`,
    );
  }
  const out: { key: string; binding: WirePortBinding }[] = [];
  for (let p = cStart; p <= cEnd; p++) {
    const hostPort = host ? String(host[0] + (p - cStart)) : '';
    out.push({ key: `${p}/${proto}`, binding: { HostIp: ip, HostPort: hostPort } });
  }
  return out;
}

function parseBool(value: string | undefined, what: string): boolean {
  if (value === undefined || value === '' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`invalid value for ${what}: ${JSON.stringify(value)}`);
}

/** `--mount type=bind,source=/a,target=/b,readonly` (the CSV form). */
export function parseMountFlag(spec: string): WireMount {
  const m: WireMount = { Type: 'volume', Target: '' };
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    switch (key) {
      case 'type':
        if (value !== 'bind' && value !== 'volume' && value !== 'tmpfs') {
          throw new UsageError(`invalid mount type ${JSON.stringify(value)}: use bind, volume or tmpfs`);
        }
        m.Type = value;
        break;
      case 'source':
      case 'src':
        m.Source = value ?? '';
        break;
      case 'target':
      case 'destination':
      case 'dst':
        m.Target = value ?? '';
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = parseBool(value, key);
        break;
      case 'bind-propagation':
        m.BindOptions = { Propagation: value ?? '' };
        break;
      case 'volume-nocopy':
        m.VolumeOptions = { NoCopy: parseBool(value, key) };
        break;
      case 'tmpfs-size':
        m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: parseBytes(value ?? '', 'tmpfs-size') };
        break;
      case 'tmpfs-mode':
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: Number.parseInt(value ?? '', 8) };
        break;
      case 'consistency':
        break;
      default:
        throw new UsageError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw new UsageError(`invalid argument "${spec}" for "--mount": target is required`);
  return m;
}

/** `-v ./data:/data` → an absolute host path, as the docker CLI resolves relative sources. */
export function resolveBind(spec: string, cwd: string): string {
  const parts = spec.split(':');
  const source = parts[0] ?? '';
  if (
    parts.length >= 2 &&
    (source.startsWith('./') || source.startsWith('../') || source === '.' || source === '..')
  ) {
    parts[0] = path.resolve(cwd, source);
  }
  return parts.join(':');
}

function parseRestart(text: string): { Name: string; MaximumRetryCount: number } {
  const [name = '', count] = text.split(':');
  if (!['no', 'always', 'on-failure', 'unless-stopped'].includes(name)) {
    throw new UsageError(
      `invalid restart policy ${JSON.stringify(text)}: use no, always, on-failure[:max-retries] or unless-stopped`,
    );
  }
  if (count !== undefined && name !== 'on-failure') {
    throw new UsageError(
      `invalid restart policy format: maximum retry count can only be used with 'on-failure'`,
    );
  }
  return { Name: name, MaximumRetryCount: count === undefined ? 0 : parseIntFlag(count, '--restart') };
}

function parseUlimit(text: string): { Name: string; Soft: number; Hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(text);
  if (!m) throw new UsageError(`invalid ulimit argument: ${text} (use name=soft[:hard])`);
  const soft = Number(m[2]);
  return { Name: m[1] ?? '', Soft: soft, Hard: m[3] === undefined ? soft : Number(m[3]) };
}

/**
 * `run`/`create` flags → the create body, as the docker CLI builds it (`cli/command/container/opts.go`).
 * `attach` tells whether stdout/stderr are attached (false for `-d` and `create`).
 */
export function toCreateBody(
  image: string,
  command: string[],
  flags: CreateFlags,
  context: { attach: boolean; env: NodeJS.ProcessEnv; cwd: string; consoleSize?: [number, number] },
): ContainerCreateBody {
  const env = [
    ...flags.envFile.flatMap((f) => readEnvFile(f, context.env)),
    ...flags.env.map((e) => parseEnvEntry(e, context.env)).filter((e): e is string => e !== undefined),
  ];
  const exposed: Record<string, object> = {};
  const bindings: Record<string, WirePortBinding[]> = {};
  for (const spec of flags.publish) {
    for (const { key, binding } of parsePublish(spec)) {
      exposed[key] = {};
      bindings[key] = [...(bindings[key] ?? []), binding];
    }
  }
  for (const spec of flags.expose) {
    const [portText = '', proto = 'tcp'] = spec.split('/');
    const [start, end] = parseRange(portText, 'port');
    for (let p = start; p <= end; p++) exposed[`${p}/${proto}`] = {};
  }
  const host: WireHostConfig = {
    Binds: flags.volume.map((v) => resolveBind(v, context.cwd)),
    NetworkMode: flags.network ?? 'default',
    PortBindings: bindings,
    RestartPolicy: flags.restart ? parseRestart(flags.restart) : { Name: 'no' },
    AutoRemove: flags.rm ?? false,
    CapAdd: flags.capAdd,
    CapDrop: flags.capDrop,
    ExtraHosts: flags.addHost.map((h) => h.replace('=', ':')),
    Privileged: flags.privileged ?? false,
    PublishAllPorts: flags.publishAll ?? false,
    ReadonlyRootfs: flags.readOnly ?? false,
    SecurityOpt: flags.securityOpt,
    Dns: flags.dns,
    GroupAdd: flags.groupAdd,
    Ulimits: flags.ulimit.map(parseUlimit),
    Mounts: flags.mount.map(parseMountFlag),
  };
  if (flags.tmpfs.length > 0) {
    host.Tmpfs = Object.fromEntries(
      flags.tmpfs.map((t) => {
        const colon = t.indexOf(':');
        return colon < 0 ? [t, ''] : [t.slice(0, colon), t.slice(colon + 1)];
      }),
    );
  }
  if (flags.sysctl.length > 0) host.Sysctls = keyValues(flags.sysctl);
  if (flags.memory) host.Memory = parseBytes(flags.memory, '--memory');
  if (flags.shmSize) host.ShmSize = parseBytes(flags.shmSize, '--shm-size');
  if (flags.logDriver || flags.logOpt.length > 0) {
    host.LogConfig = { Type: flags.logDriver ?? '', Config: keyValues(flags.logOpt) };
  }
  if (flags.cpus) {
    const cpus = Number(flags.cpus);
    if (!Number.isFinite(cpus) || cpus <= 0)
      throw new UsageError(`invalid value ${JSON.stringify(flags.cpus)} for --cpus`);
    host.NanoCpus = Math.round(cpus * 1e9);
  }
  if (flags.pidsLimit) host.PidsLimit = parseIntFlag(flags.pidsLimit, '--pids-limit');
  if (flags.init) host.Init = true;
  if (context.consoleSize && flags.tty) host.ConsoleSize = context.consoleSize;

  const interactive = flags.interactive ?? false;
  const body: ContainerCreateBody = {
    Hostname: flags.hostname ?? '',
    User: flags.user ?? '',
    AttachStdin: interactive && context.attach,
    AttachStdout: context.attach,
    AttachStderr: context.attach,
    ExposedPorts: exposed,
    Tty: flags.tty ?? false,
    OpenStdin: interactive,
    StdinOnce: interactive && context.attach,
    Env: env,
    Cmd: command.length > 0 ? command : null,
    Image: image,
    WorkingDir: flags.workdir ?? '',
    Entrypoint: flags.entrypoint === undefined ? null : [flags.entrypoint],
    Labels: keyValues(flags.label),
    HostConfig: host,
  };
  if (flags.stopSignal) body.StopSignal = flags.stopSignal;
  if (flags.stopTimeout) body.StopTimeout = parseIntFlag(flags.stopTimeout, '--stop-timeout');
  if (!flags.healthcheck) {
    body.Healthcheck = { Test: ['NONE'] };
  } else if (
    flags.healthCmd ||
    flags.healthInterval ||
    flags.healthTimeout ||
    flags.healthRetries ||
    flags.healthStartPeriod
  ) {
    body.Healthcheck = {};
    if (flags.healthCmd) body.Healthcheck.Test = ['CMD-SHELL', flags.healthCmd];
    if (flags.healthInterval)
      body.Healthcheck.Interval = parseDurationNs(flags.healthInterval, '--health-interval');
    if (flags.healthTimeout)
      body.Healthcheck.Timeout = parseDurationNs(flags.healthTimeout, '--health-timeout');
    if (flags.healthStartPeriod) {
      body.Healthcheck.StartPeriod = parseDurationNs(flags.healthStartPeriod, '--health-start-period');
    }
    if (flags.healthRetries) body.Healthcheck.Retries = parseIntFlag(flags.healthRetries, '--health-retries');
  }
  if (flags.networkAlias.length > 0 || flags.ip) {
    const network = flags.network && flags.network !== 'default' ? flags.network : 'bridge';
    const endpoint: WireEndpointSettings = {};
    if (flags.networkAlias.length > 0) endpoint.Aliases = flags.networkAlias;
    if (flags.ip) endpoint.IPAMConfig = { IPv4Address: flags.ip };
    body.NetworkingConfig = { EndpointsConfig: { [network]: endpoint } };
  }
  return body;
}
