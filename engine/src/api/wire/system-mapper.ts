import os from 'node:os';
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION } from '../../constants.js';
import type { EngineFacts } from '../api-backends.js';

function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
}

/** `GET /version` (what `docker version` prints). */
export function toVersionWire(facts: EngineFacts) {
  const details = {
    ApiVersion: API_VERSION,
    Arch: goArch(),
    BuildTime: facts.startedAt.toISOString(),
    Experimental: 'false',
    GitCommit: '',
    GoVersion: `node ${process.version}`,
    KernelVersion: os.release(),
    MinAPIVersion: MIN_API_VERSION,
    Os: 'linux',
  };
  return {
    Platform: { Name: 'Skiff Engine' },
    Components: [
      { Name: 'Engine', Version: ENGINE_VERSION, Details: details },
      { Name: facts.runtime.name, Version: facts.runtime.version, Details: { Path: facts.runtime.path } },
    ],
    Version: ENGINE_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: details.GoVersion,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: details.KernelVersion,
    BuildTime: details.BuildTime,
  };
}

/**
 * `RegistryConfig` of `/info` in moby's shape: `docker info` prints `Registry Mirrors` from
 * `Mirrors` and `Insecure Registries` from the non-secure `IndexConfigs` plus the CIDRs.
 */
export function toRegistryConfigWire(facts: EngineFacts) {
  const mirrors = [...(facts.registry?.mirrors ?? [])].map((m) => (m.endsWith('/') ? m : `${m}/`));
  const indexConfigs: Record<
    string,
    { Name: string; Mirrors: string[]; Secure: boolean; Official: boolean }
  > = {
    'docker.io': { Name: 'docker.io', Mirrors: mirrors, Secure: true, Official: true },
  };
  for (const name of facts.registry?.insecureRegistries ?? []) {
    indexConfigs[name] = { Name: name, Mirrors: [], Secure: false, Official: false };
  }
  return { IndexConfigs: indexConfigs, InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'], Mirrors: mirrors };
}

export interface InfoCounts {
  containers: number;
  running: number;
  paused: number;
  stopped: number;
  images: number;
}

/** `GET /info`: what testcontainers (§1.2) and `docker info` read, with the full moby key set. */
export function toInfoWire(facts: EngineFacts, counts: InfoCounts) {
  return {
    ID: facts.engineName,
    Containers: counts.containers,
    ContainersRunning: counts.running,
    ContainersPaused: counts.paused,
    ContainersStopped: counts.stopped,
    Images: counts.images,
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'overlayfs']],
    Plugins: {
      Volume: ['local'],
      Network: ['bridge', 'host', 'null'],
      Authorization: null,
      Log: ['json-file'],
    },
    MemoryLimit: true,
    SwapLimit: false,
    KernelMemoryTCP: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    BridgeNfIptables: false,
    BridgeNfIp6tables: false,
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: facts.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: os.release(),
    OperatingSystem: 'Skiff Engine',
    OSVersion: '',
    OSType: 'linux',
    Architecture: os.machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: toRegistryConfigWire(facts),
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    GenericResources: null,
    DockerRootDir: facts.rootDir,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: os.hostname(),
    Labels: [`dev.skiff.engine=${facts.engineName}`, `dev.skiff.pid=${facts.pid}`],
    ExperimentalBuild: false,
    ServerVersion: ENGINE_VERSION,
    Runtimes: facts.runtimes,
    DefaultRuntime: facts.runtime.name,
    Swarm: {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: null,
    },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: facts.runtime.version, Expected: facts.runtime.version },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: ['name=seccomp,profile=builtin'],
    Warnings: [],
    // Skiff's own keys (Docker clients ignore unknown ones): read by `skiff doctor` and `engine status`.
    SkiffRuntime: facts.runtime,
    SkiffScratchDir: facts.scratchDir,
    SkiffSocket: facts.socketPath,
    SkiffPid: facts.pid,
  };
}
