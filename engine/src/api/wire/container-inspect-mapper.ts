import { BuiltInNetwork } from '@skiff/net';
import { ZERO_TIME } from '../../constants.js';
import type { ContainerRecord, ContainerState } from '../../containers/container-record.js';
import type { ContainerSpec } from '../../containers/container-spec.js';
import type {
  ContainerInspectWire,
  ContainerSummaryWire,
  WireContainerConfig,
  WireEndpointSettings,
  WireHealth,
  WireHostConfig,
  WireMountPoint,
  WirePort,
  WirePortMap,
} from './container-wire.js';
import { humanDuration } from './human-duration.js';
import { formatBind } from './mount-wire.js';
import { portKey } from './port-key.js';

function health(state: ContainerState): WireHealth | undefined {
  if (!state.health) return undefined;
  return {
    Status: state.health.status,
    FailingStreak: state.health.failingStreak,
    Log: state.health.log.map((e) => ({
      Start: e.start,
      End: e.end,
      ExitCode: e.exitCode,
      Output: e.output,
    })),
  };
}

function toMap<T>(entries: [string, T][]): Record<string, T> | null {
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

export function wireConfig(spec: ContainerSpec): WireContainerConfig {
  const config: WireContainerConfig = {
    Hostname: spec.hostname,
    Domainname: spec.domainname,
    User: spec.user,
    AttachStdin: spec.attachStdin,
    AttachStdout: spec.attachStdout,
    AttachStderr: spec.attachStderr,
    ExposedPorts: toMap(spec.exposedPorts.map((p) => [portKey(p), {}])),
    Tty: spec.tty,
    OpenStdin: spec.openStdin,
    StdinOnce: spec.stdinOnce,
    Env: spec.env,
    Cmd: spec.cmd.length > 0 ? spec.cmd : null,
    Image: spec.image,
    Volumes: toMap(spec.volumes.map((v) => [v, {}])),
    WorkingDir: spec.workingDir,
    Entrypoint: spec.entrypoint.length > 0 ? spec.entrypoint : null,
    OnBuild: null,
    Labels: spec.labels,
  };
  if (spec.healthcheck) config.Healthcheck = spec.healthcheck;
  if (spec.stopSignal) config.StopSignal = spec.stopSignal;
  if (spec.stopTimeout !== undefined) config.StopTimeout = spec.stopTimeout;
  return config;
}

export function wireHostConfig(spec: ContainerSpec): WireHostConfig & Record<string, unknown> {
  const portBindings: WirePortMap = {};
  for (const b of spec.portBindings) {
    const key = portKey(b);
    portBindings[key] ??= [];
    portBindings[key]?.push({ HostIp: b.hostIp, HostPort: b.hostPort === 0 ? '' : String(b.hostPort) });
  }
  const binds = spec.mounts.map(formatBind).filter((b): b is string => b !== undefined);
  const tmpfs = spec.mounts.flatMap((m) =>
    m.type === 'tmpfs' ? [[m.target, m.options.join(',')] as [string, string]] : [],
  );
  const r = spec.resources;
  return {
    Binds: binds.length > 0 ? binds : null,
    ContainerIDFile: '',
    LogConfig: { Type: spec.logDriver || 'json-file', Config: { ...(spec.logOptions ?? {}) } },
    NetworkMode: spec.networkMode,
    PortBindings: portBindings,
    RestartPolicy: { Name: spec.restartPolicy.name, MaximumRetryCount: spec.restartPolicy.maximumRetryCount },
    AutoRemove: spec.autoRemove,
    VolumeDriver: '',
    VolumesFrom: null,
    ConsoleSize: spec.consoleSize ? [spec.consoleSize.rows, spec.consoleSize.cols] : [0, 0],
    CapAdd: spec.capAdd.length > 0 ? spec.capAdd : null,
    CapDrop: spec.capDrop.length > 0 ? spec.capDrop : null,
    CgroupnsMode: 'private',
    Dns: spec.dns,
    DnsOptions: spec.dnsOptions,
    DnsSearch: spec.dnsSearch,
    ExtraHosts: spec.extraHosts.length > 0 ? spec.extraHosts : null,
    GroupAdd: spec.groupAdd.length > 0 ? spec.groupAdd : null,
    IpcMode: spec.ipcMode || 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: spec.pidMode,
    Privileged: spec.privileged,
    PublishAllPorts: spec.publishAllPorts,
    ReadonlyRootfs: spec.readonlyRootfs,
    SecurityOpt: spec.securityOpt.length > 0 ? spec.securityOpt : null,
    Tmpfs: tmpfs.length > 0 ? Object.fromEntries(tmpfs) : undefined,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: spec.shmSize,
    Sysctls: Object.keys(spec.sysctls).length > 0 ? spec.sysctls : undefined,
    Runtime: 'runc',
    Isolation: '',
    CpuShares: r.cpuShares ?? 0,
    Memory: r.memory ?? 0,
    NanoCpus: r.nanoCpus ?? 0,
    CgroupParent: '',
    BlkioWeight: 0,
    CpuPeriod: r.cpuPeriod ?? 0,
    CpuQuota: r.cpuQuota ?? 0,
    CpusetCpus: r.cpusetCpus ?? '',
    CpusetMems: '',
    Devices: [],
    MemoryReservation: 0,
    MemorySwap: r.memorySwap ?? 0,
    OomKillDisable: false,
    PidsLimit: r.pidsLimit ?? null,
    Ulimits: spec.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    Mounts: [],
    Init: spec.init || null,
    MaskedPaths: [],
    ReadonlyPaths: [],
  };
}

function wireMounts(record: ContainerRecord): WireMountPoint[] {
  return record.mounts.map((m) => {
    const point: WireMountPoint = {
      Type: m.type,
      Source: m.source,
      Destination: m.destination,
      Mode: m.mode,
      RW: m.rw,
      Propagation: m.propagation,
    };
    if (m.type === 'volume') {
      point.Name = m.name ?? '';
      point.Driver = 'local';
    }
    return point;
  });
}

function emptyEndpoint(): WireEndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DriverOpts: null,
    DNSNames: null,
  };
}

/**
 * The container's networks. While it has a sandbox the live endpoints are shown; otherwise the
 * configured ones with empty addresses, as Docker does for created and exited containers.
 */
function wireNetworks(record: ContainerRecord): Record<string, WireEndpointSettings> {
  const spec = record.spec;
  const networks: Record<string, WireEndpointSettings> = {};
  if (spec.networkMode === 'none' || spec.networkMode === 'host') {
    networks[spec.networkMode] = emptyEndpoint();
    return networks;
  }
  for (const ep of spec.endpoints) {
    networks[ep.network] = { ...emptyEndpoint(), Aliases: ep.aliases.length > 0 ? ep.aliases : null };
    if (ep.ipv4Address)
      networks[ep.network] = { ...networks[ep.network], IPAMConfig: { IPv4Address: ep.ipv4Address } };
  }
  for (const ep of record.endpoints) {
    const configured = spec.endpoints.find((e) => e.network === ep.networkName || e.network === ep.networkId);
    if (configured && configured.network !== ep.networkName) delete networks[configured.network];
    networks[ep.networkName] = {
      ...emptyEndpoint(),
      ...(configured?.ipv4Address ? { IPAMConfig: { IPv4Address: configured.ipv4Address } } : {}),
      Aliases: ep.aliases.length > 0 ? ep.aliases : null,
      MacAddress: ep.macAddress,
      NetworkID: ep.networkId,
      EndpointID: ep.endpointId,
      Gateway: ep.gateway,
      IPAddress: ep.ipAddress,
      IPPrefixLen: ep.prefixLen,
      DNSNames: [spec.name, record.id.slice(0, 12), ...ep.aliases],
    };
  }
  return networks;
}

/**
 * `NetworkSettings.Ports`: every exposed or bound port; `null` when not published, else the
 * bindings with `HostPort` as a string. Empty unless the container runs (Docker reports `{}` then).
 */
function wirePorts(record: ContainerRecord): WirePortMap {
  const running = record.state.status === 'running' || record.state.status === 'paused';
  if (!running) return {};
  const ports: WirePortMap = {};
  for (const p of record.spec.exposedPorts) ports[portKey(p)] = null;
  for (const p of record.spec.portBindings) ports[portKey(p)] = null;
  for (const p of record.ports) {
    const key = portKey(p);
    const list = ports[key] ?? [];
    list.push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    ports[key] = list;
  }
  return ports;
}

/** ContainerRecord → `GET /containers/{id}/json`, with every field Docker clients read. */
export function toContainerInspect(record: ContainerRecord): ContainerInspectWire {
  const { spec, state } = record;
  const networks = wireNetworks(record);
  // moby fills the top-level (deprecated) address fields from the default bridge endpoint only.
  const primary = record.endpoints.find((e) => e.networkName === BuiltInNetwork.Bridge);
  const wireState: ContainerInspectWire['State'] = {
    Status: state.status,
    Running: state.status === 'running' || state.status === 'paused' || state.status === 'restarting',
    Paused: state.status === 'paused',
    Restarting: state.status === 'restarting',
    OOMKilled: state.oomKilled,
    Dead: state.status === 'dead',
    Pid: state.pid,
    ExitCode: state.exitCode,
    Error: state.error,
    StartedAt: state.startedAt || ZERO_TIME,
    FinishedAt: state.finishedAt || ZERO_TIME,
  };
  const h = health(state);
  if (h) wireState.Health = h;
  return {
    Id: record.id,
    Created: record.created,
    Path: record.path,
    Args: record.args,
    State: wireState,
    Image: spec.imageId,
    ResolvConfPath: record.resolvConfPath,
    HostnamePath: record.hostnamePath,
    HostsPath: record.hostsPath,
    LogPath: record.logPath,
    Name: `/${spec.name}`,
    RestartCount: state.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: wireHostConfig(spec),
    GraphDriver: { Name: 'overlay2', Data: null },
    Mounts: wireMounts(record),
    Config: wireConfig(spec),
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: '',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: wirePorts(record),
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: primary?.endpointId ?? '',
      Gateway: primary?.gateway ?? '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: primary?.ipAddress ?? '',
      IPPrefixLen: primary?.prefixLen ?? 0,
      IPv6Gateway: '',
      MacAddress: primary?.macAddress ?? '',
      Networks: networks,
    },
  };
}

function since(iso: string, now: number): string {
  return humanDuration(Math.max(0, now - Date.parse(iso)));
}

/** moby's `container.State.String()`: `Up 5 seconds (healthy)`, `Exited (0) 3 seconds ago`, … */
export function statusText(state: ContainerState, now: number): string {
  switch (state.status) {
    case 'running':
    case 'paused': {
      const up = `Up ${since(state.startedAt, now)}`;
      if (state.status === 'paused') return `${up} (Paused)`;
      const hs = state.health?.status;
      if (hs === 'starting') return `${up} (health: starting)`;
      if (hs) return `${up} (${hs})`;
      return up;
    }
    case 'restarting':
      return `Restarting (${state.exitCode}) ${since(state.finishedAt, now)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      if (!state.startedAt || state.startedAt === ZERO_TIME) return 'Created';
      return `Exited (${state.exitCode}) ${since(state.finishedAt, now)} ago`;
  }
}

/** The `docker ps` COMMAND text: path and args, each quoted only when needed. */
export function commandText(record: ContainerRecord): string {
  return [record.path, ...record.args].filter((a) => a !== '').join(' ');
}

function wireListPorts(record: ContainerRecord): WirePort[] {
  const running = record.state.status === 'running' || record.state.status === 'paused';
  const out: WirePort[] = [];
  const published = new Set<string>();
  if (running) {
    for (const p of record.ports) {
      published.add(portKey(p));
      out.push({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.protocol });
    }
  }
  for (const p of record.spec.exposedPorts) {
    if (!published.has(portKey(p))) out.push({ PrivatePort: p.containerPort, Type: p.protocol });
  }
  return out;
}

/** ContainerRecord → one item of `GET /containers/json`. `now` is injected so tests control the Status text. */
export function toContainerSummary(record: ContainerRecord, now: number = Date.now()): ContainerSummaryWire {
  const { spec, state } = record;
  return {
    Id: record.id,
    Names: [`/${spec.name}`],
    Image: spec.image,
    ImageID: spec.imageId,
    Command: commandText(record),
    Created: Math.floor(Date.parse(record.created) / 1000),
    Ports: wireListPorts(record),
    Labels: spec.labels,
    State: state.status,
    Status: statusText(state, now),
    HostConfig: { NetworkMode: spec.networkMode },
    NetworkSettings: { Networks: wireNetworks(record) },
    Mounts: wireMounts(record),
  };
}
