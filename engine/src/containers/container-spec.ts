import type { Digest } from '../content/digest.js';
import type { HealthConfig } from '../images/image-config.js';

/** A mount the user asked for: a host path, a named or anonymous volume, or a tmpfs. */
export type MountSpec =
  | { type: 'bind'; source: string; target: string; readOnly: boolean; propagation?: string }
  | { type: 'volume'; name: string; target: string; readOnly: boolean; anonymous: boolean }
  | { type: 'tmpfs'; target: string; options: string[] };

export interface PortSpec {
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface PortBindingSpec extends PortSpec {
  /** '' means Skiff's default (127.0.0.1 and ::1); '0.0.0.0' must be asked for. */
  hostIp: string;
  /** 0 lets the engine pick a free port atomically. */
  hostPort: number;
}

export interface RestartPolicy {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  maximumRetryCount: number;
}

export interface Resources {
  memory?: number;
  memorySwap?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  pidsLimit?: number;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface EndpointSpec {
  /** Network name or ID as the user gave it; resolved by the network manager. */
  network: string;
  aliases: string[];
  ipv4Address?: string;
}

/**
 * Everything needed to run a container, after validation and the merge with the image config
 * (moby's rules: an explicit Entrypoint drops the image Cmd, Env merges by key, …). This is the
 * domain type; the Docker wire shapes (Config, HostConfig) are mapped to and from it in `api/`.
 */
export interface ContainerSpec {
  name: string;
  /** The image as the user named it, and the ID it resolved to at create. */
  image: string;
  imageId: Digest;

  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  domainname: string;
  labels: Record<string, string>;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  exposedPorts: PortSpec[];
  stopSignal: string;
  /** Seconds to wait after the stop signal before SIGKILL; default 10. */
  stopTimeout: number | undefined;
  healthcheck: HealthConfig | undefined;
  volumes: string[];

  mounts: MountSpec[];
  readonlyRootfs: boolean;
  resources: Resources;
  shmSize: number;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  ulimits: Ulimit[];
  sysctls: Record<string, string>;
  ipcMode: string;
  pidMode: string;
  init: boolean;
  groupAdd: string[];
  consoleSize: { rows: number; cols: number } | undefined;

  /** 'bridge' | 'none' | 'host' | 'container:<id>' | a network name. */
  networkMode: string;
  endpoints: EndpointSpec[];
  portBindings: PortBindingSpec[];
  publishAllPorts: boolean;
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];

  autoRemove: boolean;
  restartPolicy: RestartPolicy;
  logDriver: string;
  /** `--log-opt` values (HostConfig.LogConfig.Config); absent in records written before they existed. */
  logOptions?: Record<string, string>;
}
