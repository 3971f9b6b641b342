import type { NetworkManager } from '@skiff/net';
import type { ContentStore } from '../../content/content-store.js';
import type { Digest } from '../../content/digest.js';
import type { ImageRecord } from '../../images/image-record.js';
import type { ImageService, RegistryAuth } from '../../images/image-service.js';
import type { ImageStore } from '../../images/image-store.js';
import type { SpecialFiles } from '../../layers/special-files.js';
import type { Logger } from '../../logger.js';
import type { OciRuntime } from '../../runtime/oci-runtime.js';
import type { HostFacts } from '../../runtime/oci-spec.js';
import type { RootfsManager, Snapshotter } from '../../snapshots/snapshotter.js';
import type { SourceTree } from '../source/source-tree.js';
import type { UrlFetcher } from './url-fetcher.js';

/**
 * How RUN steps reach the network. `host`: the host's network namespace (what Skiff uses by
 * default: package installs need the outside world, and Skiff's bridges have no outbound NAT
 * unless the engine enables it); `none`: loopback only; `bridge`: a sandbox on the default
 * bridge network, like a container (needs the network manager).
 */
export type BuildNetwork = 'host' | 'none' | 'bridge';

/** One build, as `POST /build` or `skiff build` asks for it. */
export interface BuildRequest {
  /** Names to tag the result with (`-t`), validated before the build starts. */
  tags?: string[];
  /** `--build-arg`. */
  buildArgs?: ReadonlyMap<string, string>;
  /** `--target`: the stage to stop at (default: the last). */
  target?: string;
  /** `--no-cache`: run every step. */
  noCache?: boolean;
  /** `--pull`: resolve every FROM image again, even when present. */
  pull?: boolean;
  /** `-q`: print only the image ID. */
  quiet?: boolean;
  /** `--label`: set on the final image (an extra LABEL step, as moby does). */
  labels?: Record<string, string>;
  /** `--network` for RUN steps: `default` (the engine's choice), `host`, `none` or `bridge`. */
  networkMode?: string;
  /** `--platform`: the platform FROM images must have (default: the host's). */
  platform?: string;
  /** Credentials for FROM pulls, keyed by registry (X-Registry-Config). */
  registryAuth?: Record<string, RegistryAuth>;
  /** Aborting tears the build down (the client went away). */
  signal?: AbortSignal;
}

export interface BuildResult {
  imageId: Digest;
  tags: string[];
}

/** What a build reads: the context tree and the Dockerfile. */
export interface BuildContext {
  tree: SourceTree;
  /** The Dockerfile's text, and the name errors and locations use. */
  dockerfile: { text: string; name: string };
  /** Frees what the context holds (a spool file). Idempotent. */
  close(): Promise<void>;
}

/** What the builder is made of, wired once at the composition root. */
export interface ImageBuilderDeps {
  store: ImageStore;
  content: ContentStore;
  snapshotter: Snapshotter;
  /** Root filesystems of build steps; its scratch dir is the builder's own (see `buildScratchDir`). */
  rootfs: RootfsManager;
  runtime: OciRuntime;
  hostFacts: () => Promise<HostFacts>;
  engineName: string;
  /** The builder's scratch space (tmpfs): bundles and /etc files of RUN containers. */
  scratchDir: string;
  /** The build cache under the shared root (`<root>/build-cache`). */
  cacheDir: string;
  /** Pulls a missing FROM image (the image service's pull); without it, missing images are errors. */
  pull?: ImageService['pull'];
  /** For `bridge` RUN networking. */
  network?: NetworkManager;
  /** What `default` means for RUN networking (see BuildNetwork); default `host`. */
  defaultNetwork?: BuildNetwork;
  /** Downloads for `ADD <url>`. */
  fetcher?: UrlFetcher;
  specialFiles?: SpecialFiles;
  logger: Logger;
  now?: () => Date;
  /** Random ids for step containers. */
  newId?: () => string;
}

export type { ImageRecord };
