/**
 * The compose project after loading: every file read, interpolated, merged and checked. Paths are
 * absolute, durations are nanoseconds, lists are normalised (environment and labels as maps, ports
 * and volumes in their long form). The planner turns this into engine requests; nothing here talks
 * to the engine.
 */

import type { LoggingConfig } from './logging-reader.js';
import type { SourceLocation } from './source-location.js';

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ServiceDependency {
  condition: DependsCondition;
  /** `required: false` lets the dependant start when the dependency is not part of this run. */
  required: boolean;
}

export interface BuildConfig {
  /** Absolute directory of the build context. */
  context: string;
  /** The Dockerfile, relative to the context (default `Dockerfile`) or absolute. */
  dockerfile?: string;
  args: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  noCache: boolean;
  pull: boolean;
}

export interface PortConfig {
  target: number;
  /** 0: the engine picks a free host port. */
  published: number;
  /** The host address; `127.0.0.1` unless the file names one. */
  hostIp: string;
  protocol: 'tcp' | 'udp';
  /** Long syntax `app_protocol` (e.g. `http`): picks the scheme of the printed URL. */
  appProtocol?: string;
}

export type ServiceMount =
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  /** `source` is the key under the top-level `volumes:`; empty for an anonymous volume. */
  | { type: 'volume'; source: string; target: string; readOnly: boolean; noCopy: boolean }
  | { type: 'tmpfs'; target: string; sizeBytes?: number; mode?: number };

export interface HealthcheckConfig {
  /** `["NONE"]` when disabled; otherwise `CMD …` or `CMD-SHELL …`. Absent: the image's. */
  test?: string[];
  intervalNs?: number;
  timeoutNs?: number;
  startPeriodNs?: number;
  startIntervalNs?: number;
  retries?: number;
}

export interface ServiceNetwork {
  /** Extra aliases besides the service name (which every service has on every network it joins). */
  aliases: string[];
  ipv4Address?: string;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[];
  entrypoint?: string[];
  /** A name listed without a value takes the shell's value, and is left out when the shell has none. */
  environment: Record<string, string>;
  ports: PortConfig[];
  expose: string[];
  mounts: ServiceMount[];
  /** Keys are network keys of the top-level `networks:` (`default` when none is listed). */
  networks: Record<string, ServiceNetwork>;
  dependsOn: Record<string, ServiceDependency>;
  healthcheck?: HealthcheckConfig;
  profiles: string[];
  labels: Record<string, string>;
  restart?: string;
  user?: string;
  workingDir?: string;
  hostname?: string;
  domainname?: string;
  /** `HostConfig.Tmpfs` form: path → options. */
  tmpfs: Record<string, string>;
  extraHosts: string[];
  init?: boolean;
  stopSignal?: string;
  stopGracePeriodNs?: number;
  containerName?: string;
  tty?: boolean;
  stdinOpen?: boolean;
  privileged?: boolean;
  readOnly?: boolean;
  capAdd: string[];
  capDrop: string[];
  dns: string[];
  pullPolicy?: 'always' | 'never' | 'missing' | 'build';
  platform?: string;
  shmSizeBytes?: number;
  memLimitBytes?: number;
  /** `logging:`, checked already; HostConfig.LogConfig. */
  logging?: LoggingConfig;
  cpus?: number;
  sysctls: Record<string, string>;
  /** Where the service is declared (first file that declares it). */
  location: SourceLocation;
}

export interface NetworkConfig {
  /** The engine's name for it: `name:`, or `<project>_<key>`. */
  name: string;
  external: boolean;
  internal: boolean;
  labels: Record<string, string>;
  driver?: string;
}

export interface VolumeConfig {
  name: string;
  external: boolean;
  labels: Record<string, string>;
  driver?: string;
}

export interface ComposeProject {
  name: string;
  /** Directory of the first compose file: relative paths resolve against it. */
  workingDir: string;
  configFiles: string[];
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  /** Non-fatal remarks (obsolete `version:`), printed by the CLI. */
  warnings: string[];
}
