import type { ContainerSpec } from './container-spec.js';

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

export interface HealthLogEntry {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: HealthLogEntry[];
}

export interface ContainerState {
  status: ContainerStatus;
  /** Pid of the container's init on the host; 0 when not running. */
  pid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  /** RFC 3339; ZERO_TIME when it never happened. */
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  health: HealthState | undefined;
}

/** A port the network layer published for the container. */
export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

/** The container's address on one network, while it has a sandbox. */
export interface EndpointState {
  networkId: string;
  networkName: string;
  endpointId: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
}

/** A mount as inspect reports it (`Mounts[]`). */
export interface ResolvedMount {
  type: 'bind' | 'volume' | 'tmpfs';
  name?: string;
  source: string;
  destination: string;
  mode: string;
  rw: boolean;
  propagation: string;
}

/** What the engine persists per container under `<stateDir>/containers/<id>/record.json`. */
export interface ContainerRecord {
  id: string;
  /** RFC 3339 creation time. */
  created: string;
  spec: ContainerSpec;
  state: ContainerState;
  /** The resolved process: `path` + `args` = entrypoint + cmd. */
  path: string;
  args: string[];
  ports: PublishedPort[];
  endpoints: EndpointState[];
  mounts: ResolvedMount[];
  /** Files the engine generated and bind-mounts: hosts, hostname, resolv.conf. */
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
  logPath: string;
  /** The runtime that runs it (crun or runc), fixed at create. */
  runtime: string;
}
