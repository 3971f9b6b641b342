import type { Digest } from '../content/digest.js';

/** The Healthcheck of an image or container config; durations in nanoseconds (Docker's extension). */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The `config` object of an OCI/Docker image config blob (image-spec config.md). */
export interface ImageRunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config blob; its sha256 is the image ID. Stored as the exact bytes it arrived with. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ImageRunConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  /** Docker's classic-builder fields, kept when present. */
  container_config?: ImageRunConfig;
  docker_version?: string;
  parent?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Maps Node's process.arch to the OCI architecture names. */
export function hostPlatform(): Platform {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  return arch === 'arm64'
    ? { os: 'linux', architecture: arch, variant: 'v8' }
    : { os: 'linux', architecture: arch };
}
