import type { Readable } from 'node:stream';
import type {
  ContainerCreateBody,
  ContainerInspectWire,
  ContainerSummaryWire,
} from '../api/wire/container-wire.js';
import type { ProgressMessage } from '../images/image-service.js';

export interface NamedResource {
  /** The engine id (networks) or name (volumes). */
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface SessionSummary {
  id: string;
  labels: Record<string, string>;
  /** ISO time a `TtlMs` session expires at. */
  expiresAt?: string;
  keepalives: number;
}

export interface BuildRequest {
  context: string;
  dockerfile?: string;
  tag: string;
  args: Record<string, string>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
}

/** A held session keepalive (core/SESSIONS.md); `release()` closes it, starting the grace period. */
export interface SessionHold {
  release(): void;
}

/**
 * The part of the Docker Engine API (plus Skiff's session routes) that dev environments use.
 * `skiff up` drives any engine through it: the CLI's implementation speaks HTTP over the engine's
 * socket. Label filters are `key=value` or `key` (present with any value).
 */
export interface EnvironmentEngine {
  /** Whether the engine offers Skiff's session routes (`Skiff-Sessions` on `/_ping`). */
  supportsSessions(): Promise<boolean>;
  createSession(input: {
    graceMs?: number;
    ttlMs?: number;
    labels: Record<string, string>;
  }): Promise<{ id: string }>;
  holdSession(id: string): Promise<SessionHold>;
  deleteSession(id: string): Promise<void>;
  /** Sessions the engine knows (alive, in their grace period, or waiting for their TTL). */
  listSessions(): Promise<SessionSummary[]>;

  listContainers(labels: readonly string[], all?: boolean): Promise<ContainerSummaryWire[]>;
  inspectContainer(idOrName: string): Promise<ContainerInspectWire | undefined>;
  createContainer(name: string, body: ContainerCreateBody): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  removeContainer(id: string, options: { force: boolean; volumes: boolean }): Promise<void>;
  /** The log stream (multiplexed unless the container has a TTY). */
  containerLogs(
    id: string,
    options: { follow: boolean; tail?: string; since?: string; until?: string; timestamps?: boolean },
  ): Promise<Readable>;

  /** The image id, or `undefined` when the engine does not have it. */
  imageId(ref: string): Promise<string | undefined>;
  pullImage(ref: string, onProgress: (m: ProgressMessage) => void, platform?: string): Promise<void>;
  /** Builds and tags the image; returns its id. */
  buildImage(request: BuildRequest, onProgress: (m: ProgressMessage) => void): Promise<string>;

  listNetworks(labels: readonly string[]): Promise<NamedResource[]>;
  inspectNetwork(name: string): Promise<NamedResource | undefined>;
  createNetwork(body: { Name: string; Labels: Record<string, string>; Internal?: boolean }): Promise<string>;
  removeNetwork(id: string): Promise<void>;

  listVolumes(labels: readonly string[]): Promise<NamedResource[]>;
  inspectVolume(name: string): Promise<NamedResource | undefined>;
  createVolume(body: { Name: string; Labels: Record<string, string> }): Promise<void>;
  removeVolume(name: string): Promise<void>;
}
