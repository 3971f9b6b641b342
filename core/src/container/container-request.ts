import type { Readable } from 'node:stream';
import type { ImagePullPolicy } from '../images/pull-policy.js';
import type { WaitStrategy } from '../wait/wait-strategy.js';
import type { ExposedPort } from './port.js';

export interface BindMount {
  source: string;
  target: string;
  mode?: 'rw' | 'ro' | 'z' | 'Z';
}

export interface FileToCopy {
  source: string;
  target: string;
  mode?: number;
}

export type DirectoryToCopy = FileToCopy;

export interface ContentToCopy {
  content: string | Buffer | Readable;
  target: string;
  mode?: number;
}

export interface ArchiveToCopy {
  tar: Readable;
  target: string;
}

export interface CopyToContainerOptions {
  noOverwriteDirNonDir?: boolean;
  copyUIDGID?: boolean;
}

/** Times in milliseconds (converted to the API's nanoseconds at create). */
export interface HealthCheck {
  test: ['CMD-SHELL', string] | ['CMD', ...string[]] | ['NONE'] | string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  startPeriod?: number;
}

export interface ExtraHost {
  host: string;
  ipAddress: string;
}

/** `memory` in GB, `cpu` in CPUs (testcontainers' units). */
export interface ResourcesQuota {
  memory?: number;
  cpu?: number;
}

export type Ulimits = Record<string, { hard: number | undefined; soft: number | undefined }>;

export type LogConsumer = (stream: Readable) => unknown;

/**
 * Everything a `GenericContainer` was told, as plain data. The builder fills it; `start()` maps
 * it to the create call; the reuse hash is computed from that mapping.
 */
export interface ContainerRequest {
  image: string;
  command: string[] | undefined;
  entrypoint: string[] | undefined;
  environment: Record<string, string>;
  exposedPorts: ExposedPort[];
  bindMounts: BindMount[];
  tmpfs: Record<string, string>;
  filesToCopy: FileToCopy[];
  directoriesToCopy: DirectoryToCopy[];
  contentsToCopy: ContentToCopy[];
  archivesToCopy: ArchiveToCopy[];
  copyOptions: CopyToContainerOptions;
  networkMode: string | undefined;
  networkAliases: string[];
  extraHosts: ExtraHost[];
  labels: Record<string, string>;
  name: string | undefined;
  user: string | undefined;
  workingDir: string | undefined;
  hostname: string | undefined;
  platform: string | undefined;
  privileged: boolean;
  addedCapabilities: string[];
  droppedCapabilities: string[];
  securityOpt: string[];
  resources: ResourcesQuota | undefined;
  shmSize: number | undefined;
  ulimits: Ulimits | undefined;
  ipcMode: string | undefined;
  defaultLogDriver: boolean;
  healthCheck: HealthCheck | undefined;
  waitStrategy: WaitStrategy | undefined;
  startupTimeoutMs: number | undefined;
  logConsumer: LogConsumer | undefined;
  pullPolicy: ImagePullPolicy | undefined;
  reuse: boolean;
  /** Whether `stop()` removes the container (default true). */
  autoRemove: boolean;
  /** `false`: no session label, so the container outlives the session. */
  autoCleanup: boolean;
}

export function emptyRequest(image: string): ContainerRequest {
  return {
    image,
    command: undefined,
    entrypoint: undefined,
    environment: {},
    exposedPorts: [],
    bindMounts: [],
    tmpfs: {},
    filesToCopy: [],
    directoriesToCopy: [],
    contentsToCopy: [],
    archivesToCopy: [],
    copyOptions: {},
    networkMode: undefined,
    networkAliases: [],
    extraHosts: [],
    labels: {},
    name: undefined,
    user: undefined,
    workingDir: undefined,
    hostname: undefined,
    platform: undefined,
    privileged: false,
    addedCapabilities: [],
    droppedCapabilities: [],
    securityOpt: [],
    resources: undefined,
    shmSize: undefined,
    ulimits: undefined,
    ipcMode: undefined,
    defaultLogDriver: false,
    healthCheck: undefined,
    waitStrategy: undefined,
    startupTimeoutMs: undefined,
    logConsumer: undefined,
    pullPolicy: undefined,
    reuse: false,
    autoRemove: true,
    autoCleanup: true,
  };
}
