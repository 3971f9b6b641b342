import type { ContainerCreateInput } from '../../containers/container-service.js';
import type {
  EndpointSpec,
  MountSpec,
  PortBindingSpec,
  Resources,
  RestartPolicy,
  Ulimit,
} from '../../containers/container-spec.js';
import { InvalidArgumentError } from '../../errors.js';
import type { HealthConfig } from '../../images/image-config.js';
import { parseBind, parseMount, parseTmpfs } from './mount-wire.js';
import { parsePortKey } from './port-key.js';
import {
  isObject,
  type JsonObject,
  optArray,
  optBool,
  optInt,
  optNumber,
  optObject,
  optString,
  optStringArray,
  optStringMap,
  optStrSlice,
  requireObject,
} from './wire-value.js';

/** Host-config network modes that are not network names. */
const SPECIAL_NETWORK_MODES = new Set(['none', 'host']);

function parseHealthcheck(config: JsonObject): HealthConfig | undefined {
  const hc = optObject(config, 'Healthcheck');
  if (!hc) return undefined;
  const out: HealthConfig = {};
  const test = optStrSlice(hc, 'Test', 'Healthcheck.Test');
  if (test) {
    const kind = test[0];
    if (test.length > 0 && kind !== 'NONE' && kind !== 'CMD' && kind !== 'CMD-SHELL') {
      throw new InvalidArgumentError(
        `invalid Healthcheck.Test: the first element must be NONE, CMD or CMD-SHELL, got ${JSON.stringify(kind)}`,
      );
    }
    out.Test = test;
  }
  for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const) {
    const v = optInt(hc, key, `Healthcheck.${key}`);
    if (v === undefined || v === 0) continue;
    if (v < 1_000_000) {
      throw new InvalidArgumentError(
        `invalid Healthcheck.${key}: ${v} ns is shorter than the minimum of 1ms`,
      );
    }
    out[key] = v;
  }
  const retries = optInt(hc, 'Retries', 'Healthcheck.Retries');
  if (retries !== undefined) {
    if (retries < 0) throw new InvalidArgumentError('invalid Healthcheck.Retries: must not be negative');
    if (retries > 0) out.Retries = retries;
  }
  return out;
}

function parsePortBindings(host: JsonObject): PortBindingSpec[] {
  const map = optObject(host, 'PortBindings', 'HostConfig.PortBindings');
  if (!map) return [];
  const out: PortBindingSpec[] = [];
  for (const [key, bindings] of Object.entries(map)) {
    const port = parsePortKey(key, 'HostConfig.PortBindings key');
    if (bindings === null) continue;
    if (!Array.isArray(bindings)) {
      throw new InvalidArgumentError(
        `invalid HostConfig.PortBindings[${JSON.stringify(key)}]: expected a list`,
      );
    }
    bindings.forEach((b: unknown, i) => {
      const field = `HostConfig.PortBindings[${JSON.stringify(key)}][${i}]`;
      if (!isObject(b)) throw new InvalidArgumentError(`invalid ${field}: expected an object`);
      const hostIp = optString(b, 'HostIp', `${field}.HostIp`) ?? '';
      const hostPortText = (optString(b, 'HostPort', `${field}.HostPort`) ?? '').trim();
      let hostPort = 0;
      if (hostPortText !== '') {
        if (!/^\d+$/.test(hostPortText) || Number(hostPortText) > 65535) {
          throw new InvalidArgumentError(
            `invalid ${field}.HostPort ${JSON.stringify(hostPortText)}: expected a port number (0 or empty picks a free one); ranges are not supported`,
          );
        }
        hostPort = Number(hostPortText);
      }
      out.push({ ...port, hostIp, hostPort });
    });
  }
  return out;
}

export function parseRestartPolicy(host: JsonObject): RestartPolicy | undefined {
  const rp = optObject(host, 'RestartPolicy', 'HostConfig.RestartPolicy');
  if (!rp) return undefined;
  const name = optString(rp, 'Name', 'HostConfig.RestartPolicy.Name') ?? '';
  const maximumRetryCount =
    optInt(rp, 'MaximumRetryCount', 'HostConfig.RestartPolicy.MaximumRetryCount') ?? 0;
  const normalised = name === '' ? 'no' : name;
  if (
    normalised !== 'no' &&
    normalised !== 'always' &&
    normalised !== 'on-failure' &&
    normalised !== 'unless-stopped'
  ) {
    throw new InvalidArgumentError(
      `invalid restart policy: unknown policy '${name}'; use one of: 'no', 'always', 'on-failure', or 'unless-stopped'`,
    );
  }
  if (maximumRetryCount < 0) {
    throw new InvalidArgumentError('invalid restart policy: maximum retry count must be a positive integer');
  }
  return { name: normalised, maximumRetryCount };
}

function parseResources(host: JsonObject): Resources {
  const r: Resources = {};
  const positive = (key: string): number | undefined => {
    const v = optInt(host, key, `HostConfig.${key}`);
    if (v !== undefined && v < 0 && !(key === 'MemorySwap' && v === -1)) {
      throw new InvalidArgumentError(`invalid HostConfig.${key}: must not be negative`);
    }
    return v === 0 ? undefined : v;
  };
  r.memory = positive('Memory');
  r.memorySwap = positive('MemorySwap');
  r.nanoCpus = positive('NanoCpus');
  r.cpuShares = positive('CpuShares');
  r.cpuQuota = positive('CpuQuota');
  r.cpuPeriod = positive('CpuPeriod');
  const cpuset = optString(host, 'CpusetCpus', 'HostConfig.CpusetCpus');
  if (cpuset) r.cpusetCpus = cpuset;
  // PidsLimit 0 and -1 both mean unlimited (moby `api/types/container/hostconfig.go`).
  const pids = optInt(host, 'PidsLimit', 'HostConfig.PidsLimit');
  if (pids !== undefined && pids > 0) r.pidsLimit = pids;
  if (r.memory !== undefined && r.memory < 6 * 1024 * 1024) {
    throw new InvalidArgumentError('Minimum memory limit allowed is 6MB');
  }
  if (r.nanoCpus !== undefined && (r.cpuQuota !== undefined || r.cpuPeriod !== undefined)) {
    throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set');
  }
  for (const key of Object.keys(r) as (keyof Resources)[]) if (r[key] === undefined) delete r[key];
  return r;
}

function parseUlimits(host: JsonObject): Ulimit[] | undefined {
  const list = optArray(host, 'Ulimits', 'HostConfig.Ulimits');
  if (!list) return undefined;
  return list.map((u, i) => {
    const field = `HostConfig.Ulimits[${i}]`;
    if (!isObject(u)) throw new InvalidArgumentError(`invalid ${field}: expected an object`);
    const name = optString(u, 'Name', `${field}.Name`);
    const soft = optInt(u, 'Soft', `${field}.Soft`);
    const hard = optInt(u, 'Hard', `${field}.Hard`);
    if (!name || soft === undefined || hard === undefined) {
      throw new InvalidArgumentError(`invalid ${field}: Name, Soft and Hard are required`);
    }
    if (soft > hard && hard !== -1) {
      throw new InvalidArgumentError(
        `invalid ${field}: soft limit ${soft} is greater than hard limit ${hard}`,
      );
    }
    return { name, soft, hard };
  });
}

function parseEndpoints(body: JsonObject, networkMode: string): EndpointSpec[] {
  const networking = optObject(body, 'NetworkingConfig');
  const configs = networking
    ? optObject(networking, 'EndpointsConfig', 'NetworkingConfig.EndpointsConfig')
    : undefined;
  const endpoints: EndpointSpec[] = [];
  for (const [key, raw] of Object.entries(configs ?? {})) {
    // The docker CLI names the default network `default` here, as in NetworkMode.
    const network = key === 'default' ? 'bridge' : key;
    if (endpoints.some((e) => e.network === network)) {
      throw new InvalidArgumentError(`invalid NetworkingConfig: network ${network} is listed twice`);
    }
    const field = `NetworkingConfig.EndpointsConfig[${JSON.stringify(key)}]`;
    const settings = raw === null ? {} : raw;
    if (!isObject(settings)) throw new InvalidArgumentError(`invalid ${field}: expected an object`);
    const ipam = optObject(settings, 'IPAMConfig', `${field}.IPAMConfig`);
    const ipv4Address = ipam ? optString(ipam, 'IPv4Address', `${field}.IPAMConfig.IPv4Address`) : undefined;
    const endpoint: EndpointSpec = {
      network,
      aliases: optStringArray(settings, 'Aliases', `${field}.Aliases`) ?? [],
    };
    if (ipv4Address) endpoint.ipv4Address = ipv4Address;
    endpoints.push(endpoint);
  }
  // The primary network (NetworkMode) always has an endpoint, and it comes first.
  const attached = !SPECIAL_NETWORK_MODES.has(networkMode) && !networkMode.startsWith('container:');
  if (!attached) {
    if (endpoints.some((e) => e.network !== networkMode)) {
      throw new InvalidArgumentError(
        `container sharing network namespace with another container or host cannot be connected to any other network (NetworkMode ${networkMode})`,
      );
    }
    return [];
  }
  const primary = endpoints.findIndex((e) => e.network === networkMode);
  if (primary < 0) return [{ network: networkMode, aliases: [] }, ...endpoints];
  const [first] = endpoints.splice(primary, 1);
  return first ? [first, ...endpoints] : endpoints;
}

function parseConsoleSize(host: JsonObject): { rows: number; cols: number } | undefined {
  const size = optArray(host, 'ConsoleSize', 'HostConfig.ConsoleSize');
  if (!size) return undefined;
  const [rows, cols] = size;
  if (size.length !== 2 || typeof rows !== 'number' || typeof cols !== 'number' || rows < 0 || cols < 0) {
    throw new InvalidArgumentError('invalid HostConfig.ConsoleSize: expected [height, width]');
  }
  return rows > 0 && cols > 0 ? { rows, cols } : undefined;
}

function setIfDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/**
 * `POST /containers/create` → the domain's create input. The body is moby's
 * `container.CreateRequest` (Config with HostConfig and NetworkingConfig inline); `name` and
 * `platform` come from the query only, as in moby. Unknown keys are ignored (dockerode puts
 * `name` and `platform` in the body too). Fields left `undefined` take the image's value or the
 * engine default.
 */
export function toContainerCreateInput(
  rawBody: unknown,
  query: { name?: string | undefined; platform?: string | undefined },
): ContainerCreateInput {
  if (rawBody === undefined) {
    throw new InvalidArgumentError('config cannot be empty in order to create a container');
  }
  const body = requireObject(rawBody, 'create body');
  const image = optString(body, 'Image');
  if (!image) throw new InvalidArgumentError('no image given: the create body needs "Image"');
  const host = optObject(body, 'HostConfig') ?? {};
  const input: ContainerCreateInput = { image };
  setIfDefined(input, 'name', query.name);
  setIfDefined(input, 'platform', query.platform);

  const str = (key: string) => {
    const v = optString(body, key);
    return v === '' ? undefined : v;
  };
  setIfDefined(input, 'hostname', str('Hostname'));
  setIfDefined(input, 'domainname', str('Domainname'));
  setIfDefined(input, 'user', str('User'));
  setIfDefined(input, 'workingDir', str('WorkingDir'));
  setIfDefined(input, 'stopSignal', str('StopSignal'));
  setIfDefined(input, 'attachStdin', optBool(body, 'AttachStdin'));
  setIfDefined(input, 'attachStdout', optBool(body, 'AttachStdout'));
  setIfDefined(input, 'attachStderr', optBool(body, 'AttachStderr'));
  setIfDefined(input, 'tty', optBool(body, 'Tty'));
  setIfDefined(input, 'openStdin', optBool(body, 'OpenStdin'));
  setIfDefined(input, 'stdinOnce', optBool(body, 'StdinOnce'));
  setIfDefined(input, 'env', optStringArray(body, 'Env'));
  setIfDefined(input, 'labels', optStringMap(body, 'Labels'));
  setIfDefined(input, 'healthcheck', parseHealthcheck(body));
  const stopTimeout = optInt(body, 'StopTimeout');
  if (stopTimeout !== undefined) input.stopTimeout = stopTimeout;

  // Cmd: nil or empty takes the image's. Entrypoint: nil takes the image's, [] or [""] clears it.
  const cmd = optStrSlice(body, 'Cmd');
  if (cmd && cmd.length > 0) input.cmd = cmd;
  const entrypoint = optStrSlice(body, 'Entrypoint');
  if (entrypoint !== undefined) input.entrypoint = entrypoint;

  const exposed = optObject(body, 'ExposedPorts');
  if (exposed) input.exposedPorts = Object.keys(exposed).map((k) => parsePortKey(k, 'ExposedPorts key'));
  const volumes = optObject(body, 'Volumes');
  if (volumes) input.volumes = Object.keys(volumes);

  const mounts: MountSpec[] = [];
  for (const bind of optStringArray(host, 'Binds', 'HostConfig.Binds') ?? []) mounts.push(parseBind(bind));
  (optArray(host, 'Mounts', 'HostConfig.Mounts') ?? []).forEach((m, i) => {
    mounts.push(parseMount(m, i));
  });
  mounts.push(...parseTmpfs(optStringMap(host, 'Tmpfs', 'HostConfig.Tmpfs') ?? {}));
  const targets = new Set<string>();
  for (const m of mounts) {
    if (targets.has(m.target)) throw new InvalidArgumentError(`Duplicate mount point: ${m.target}`);
    targets.add(m.target);
  }
  if (mounts.length > 0) input.mounts = mounts;

  const hostBool = (key: string) => optBool(host, key, `HostConfig.${key}`);
  const hostList = (key: string) => optStringArray(host, key, `HostConfig.${key}`);
  setIfDefined(input, 'readonlyRootfs', hostBool('ReadonlyRootfs'));
  setIfDefined(input, 'privileged', hostBool('Privileged'));
  setIfDefined(input, 'publishAllPorts', hostBool('PublishAllPorts'));
  setIfDefined(input, 'autoRemove', hostBool('AutoRemove'));
  const init = hostBool('Init');
  if (init !== undefined) input.init = init;
  setIfDefined(input, 'capAdd', hostList('CapAdd'));
  setIfDefined(input, 'capDrop', hostList('CapDrop'));
  setIfDefined(input, 'securityOpt', hostList('SecurityOpt'));
  setIfDefined(input, 'groupAdd', hostList('GroupAdd'));
  setIfDefined(input, 'extraHosts', hostList('ExtraHosts'));
  setIfDefined(input, 'dns', hostList('Dns'));
  setIfDefined(input, 'dnsSearch', hostList('DnsSearch'));
  setIfDefined(input, 'dnsOptions', hostList('DnsOptions'));
  setIfDefined(input, 'sysctls', optStringMap(host, 'Sysctls', 'HostConfig.Sysctls'));
  const ipcMode = optString(host, 'IpcMode', 'HostConfig.IpcMode');
  if (ipcMode) input.ipcMode = ipcMode;
  const pidMode = optString(host, 'PidMode', 'HostConfig.PidMode');
  if (pidMode) input.pidMode = pidMode;
  const shmSize = optNumber(host, 'ShmSize', 'HostConfig.ShmSize');
  if (shmSize !== undefined && shmSize < 0) throw new InvalidArgumentError('SHM size can not be less than 0');
  if (shmSize) input.shmSize = shmSize;
  setIfDefined(input, 'ulimits', parseUlimits(host));
  const resources = parseResources(host);
  if (Object.keys(resources).length > 0) input.resources = resources;
  setIfDefined(input, 'restartPolicy', parseRestartPolicy(host));
  setIfDefined(input, 'consoleSize', parseConsoleSize(host));
  const logConfig = optObject(host, 'LogConfig', 'HostConfig.LogConfig');
  const logDriver = logConfig ? optString(logConfig, 'Type', 'HostConfig.LogConfig.Type') : undefined;
  if (logDriver) input.logDriver = logDriver;
  const logOptions = logConfig ? optStringMap(logConfig, 'Config', 'HostConfig.LogConfig.Config') : undefined;
  if (logOptions && Object.keys(logOptions).length > 0) input.logOptions = logOptions;

  const rawMode = optString(host, 'NetworkMode', 'HostConfig.NetworkMode') ?? '';
  const networkMode = rawMode === '' || rawMode === 'default' ? 'bridge' : rawMode;
  input.networkMode = networkMode;
  input.endpoints = parseEndpoints(body, networkMode);
  const portBindings = parsePortBindings(host);
  if (portBindings.length > 0) {
    if (networkMode.startsWith('container:')) {
      throw new InvalidArgumentError(
        'conflicting options: port publishing and the container type network mode',
      );
    }
    // moby discards published ports in host mode (with a warning); nothing could listen on them.
    if (networkMode !== 'host') input.portBindings = portBindings;
  }
  return input;
}
