import type { Readable } from 'node:stream';
import type { ImageRecord } from './image-record.js';
import type { ImageDeleteItem } from './image-store.js';

/** One message of Docker's JSON progress stream (pull, push, load, import). */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { code?: number; message: string };
}

export type ProgressSink = (message: ProgressMessage) => void;

export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/**
 * Image operations the API and CLI reach; a facade over the image store, snapshotter, registry
 * client and archive formats. Errors: NotFoundError (`No such image: x`), ConflictError,
 * InvalidArgumentError, RegistryError.
 */
export interface ImageService {
  list(options: { all?: boolean; filters?: Record<string, string[]> }): Promise<ImageRecord[]>;
  inspect(ref: string): Promise<ImageRecord>;
  history(
    ref: string,
  ): Promise<
    { Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }[]
  >;
  /** Pulls `ref` (name, name:tag or name@digest) for `platform` (default: this host). */
  pull(
    ref: string,
    options: { platform?: string; auth?: RegistryAuth; progress?: ProgressSink },
  ): Promise<ImageRecord>;
  push(
    ref: string,
    options: { auth?: RegistryAuth; progress?: ProgressSink },
  ): Promise<{ digest: string; size: number }>;
  tag(source: string, target: string): Promise<void>;
  remove(ref: string, options: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]>;
  prune(options: {
    dangling?: boolean;
    filters?: Record<string, string[]>;
  }): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }>;
  /**
   * `docker import`: one tar (optionally compressed) becomes a single-layer image. `changes` are
   * Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL,
   * HEALTHCHECK, ONBUILD, SHELL).
   */
  importTar(
    tar: Readable,
    options: { ref?: string; changes?: string[]; message?: string; platform?: string },
  ): Promise<ImageRecord>;
  /** `docker save`: a tar with `manifest.json`, `repositories`, and an OCI layout (Docker 25+ shape). */
  save(refs: string[]): Readable;
  /** `docker load`: accepts the legacy and the OCI-layout `docker save` formats. */
  load(tar: Readable, options?: { progress?: ProgressSink }): Promise<{ loaded: string[] }>;
}
