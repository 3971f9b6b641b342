import type { ContainerService } from '../containers/container-service.js';
import type { EventBus } from '../events/event-bus.js';
import type { ImageService } from '../images/image-service.js';
import type { VolumeStore } from '../volumes/volume-store.js';

/** Static facts about this engine for `/info` and `/version`, gathered once at the composition root. */
export interface EngineFacts {
  engineName: string;
  /** SKIFF_ROOT: shown as `DockerRootDir`. */
  rootDir: string;
  /** The OCI runtime in use and why it was chosen (crun unless it failed its trial, or SKIFF_RUNTIME). */
  runtime: { name: string; version: string; path: string; reason: string };
  /** Scratch dir (tmpfs) and socket, for `skiff doctor` and `info`. */
  scratchDir: string;
  socketPath: string;
  /** Every runtime the host has, for `/info` `Runtimes`. */
  runtimes: Record<string, { path: string }>;
  cgroupVersion: '1' | '2';
  pid: number;
  startedAt: Date;
  /** `SKIFF_REGISTRY_MIRRORS` and `SKIFF_INSECURE_REGISTRIES` as the registry client uses them. */
  registry?: { mirrors: readonly string[]; insecureRegistries: readonly string[] };
}

/**
 * What the API routes reach. The composition root (`daemon/engine.ts`) builds each part once and
 * hands them here.
 */
export interface ApiBackends {
  containers: ContainerService;
  images: ImageService;
  events: EventBus;
  volumes: VolumeStore;
  facts: EngineFacts;
}
