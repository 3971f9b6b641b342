/**
 * Docker Engine API shapes core sends and reads (the subset it uses), kept apart from core's own
 * types (STYLE.md habit 4). Field names are the wire's.
 */

export interface WirePortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface WireHealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

export interface WireHostConfig {
  AutoRemove?: boolean;
  Binds?: string[];
  Tmpfs?: Record<string, string>;
  PortBindings?: Record<string, WirePortBinding[]>;
  NetworkMode?: string;
  ExtraHosts?: string[];
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  SecurityOpt?: string[];
  Memory?: number;
  NanoCpus?: number;
  ShmSize?: number;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  IpcMode?: string;
  LogConfig?: { Type: string; Config: Record<string, string> };
}

export interface WireEndpointSettings {
  Aliases?: string[];
}

export interface WireCreateContainerBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
  User?: string;
  WorkingDir?: string;
  Hostname?: string;
  Healthcheck?: WireHealthConfig;
  HostConfig: WireHostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, WireEndpointSettings> };
}

export interface WireNetworkEndpoint {
  NetworkID: string;
  IPAddress: string;
  Gateway: string;
  Aliases: string[] | null;
}

export interface WireHealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
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
  Health?: { Status: string; FailingStreak: number; Log: WireHealthLogEntry[] | null };
}

export interface WireContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  State: WireContainerState;
  Config: {
    Hostname: string;
    Image: string;
    Labels: Record<string, string> | null;
    Healthcheck?: WireHealthConfig;
    Tty?: boolean;
  };
  HostConfig: WireHostConfig;
  NetworkSettings: {
    Ports: Record<string, WirePortBinding[] | null> | null;
    Networks: Record<string, WireNetworkEndpoint> | null;
  };
}

export interface WireContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Labels: Record<string, string> | null;
  Created: number;
}

export interface WireImageInspect {
  Id: string;
  RepoTags: string[] | null;
  Config?: { Healthcheck?: WireHealthConfig; Labels?: Record<string, string> | null } | null;
  ContainerConfig?: { Healthcheck?: WireHealthConfig } | null;
}

export interface WireImageSummary {
  Id: string;
  RepoTags: string[] | null;
  Labels: Record<string, string> | null;
}

export interface WireNetworkInspect {
  Id: string;
  Name: string;
  Driver: string;
  Internal: boolean;
  Labels: Record<string, string> | null;
  IPAM: { Config: { Subnet?: string; Gateway?: string }[] | null } | null;
}

export interface WireVolumeList {
  Volumes: { Name: string; Labels: Record<string, string> | null }[] | null;
}

export interface WireExecInspect {
  ExitCode: number | null;
  Running: boolean;
}

export interface WireVersion {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
  Platform?: { Name?: string };
  Components?: { Name: string; Version: string }[];
}

/** One line of a pull, push or build progress stream. */
export interface WireProgressLine {
  status?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}
