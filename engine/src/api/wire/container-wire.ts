/**
 * Docker Engine API container shapes (moby `api/types/container`), as they travel on the wire.
 * Domain types live in `containers/`; `container-create-mapper.ts` and `container-inspect-mapper.ts`
 * translate. The CLI builds and reads these same shapes.
 */
import type { HealthConfig } from '../../images/image-config.js';

export interface WirePortBinding {
  HostIp?: string;
  HostPort?: string;
}

export type WirePortMap = Record<string, WirePortBinding[] | null>;

export interface WireMount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface WireUlimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface WireRestartPolicy {
  Name: string;
  MaximumRetryCount?: number;
}

export interface WireContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
}

export interface WireHostConfig {
  Binds?: string[] | null;
  NetworkMode?: string;
  PortBindings?: WirePortMap | null;
  RestartPolicy?: WireRestartPolicy;
  AutoRemove?: boolean;
  ConsoleSize?: [number, number] | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Dns?: string[] | null;
  DnsOptions?: string[] | null;
  DnsSearch?: string[] | null;
  ExtraHosts?: string[] | null;
  GroupAdd?: string[] | null;
  IpcMode?: string;
  PidMode?: string;
  Privileged?: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  Tmpfs?: Record<string, string> | null;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  Runtime?: string;
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  PidsLimit?: number | null;
  Ulimits?: WireUlimit[] | null;
  Mounts?: WireMount[] | null;
  Init?: boolean | null;
  LogConfig?: { Type: string; Config?: Record<string, string> };
}

export interface WireEndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  IPv6Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  DriverOpts?: Record<string, string> | null;
  DNSNames?: string[] | null;
}

export interface WireNetworkingConfig {
  EndpointsConfig?: Record<string, WireEndpointSettings> | null;
}

/** `POST /containers/create` body: the config, plus HostConfig and NetworkingConfig. */
export interface ContainerCreateBody extends WireContainerConfig {
  HostConfig?: WireHostConfig;
  NetworkingConfig?: WireNetworkingConfig;
}

export interface WireHealth {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

export interface WireContainerState {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: WireHealth;
}

export interface WireMountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface WireNetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  Ports: WirePortMap;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, WireEndpointSettings>;
}

/** `GET /containers/{id}/json`. */
export interface ContainerInspectWire {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: WireContainerState;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: WireHostConfig & Record<string, unknown>;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  Mounts: WireMountPoint[];
  Config: WireContainerConfig;
  NetworkSettings: WireNetworkSettings;
}

export interface WirePort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** One item of `GET /containers/json`. */
export interface ContainerSummaryWire {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: WirePort[];
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, WireEndpointSettings> };
  Mounts: WireMountPoint[];
  /** Only with `size=1` (`docker ps --size`, `system df`). */
  SizeRw?: number;
  SizeRootFs?: number;
}

export interface WaitResponseWire {
  StatusCode: number;
  Error: { Message: string } | null;
}

export interface ExecInspectWire {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}
