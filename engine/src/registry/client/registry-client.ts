import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import type { ContentStore } from '../../content/content-store.js';
import { InvalidArgumentError } from '../../errors.js';
import { hostPlatform, type Platform } from '../../images/image-config.js';
import type { ImageRecord } from '../../images/image-record.js';
import type { ProgressSink, RegistryAuth } from '../../images/image-service.js';
import type { ImageStore } from '../../images/image-store.js';
import { WorkerLayerUnpacker } from '../../layers/worker-layer-unpacker.js';
import type { Snapshotter } from '../../snapshots/snapshotter.js';
import type { UploadMode } from './blob-pusher.js';
import { DockerConfigCredentials, defaultDockerConfigPath } from './docker-config-credentials.js';
import { ImagePuller } from './image-puller.js';
import { ImagePusher } from './image-pusher.js';
import type { LayerUnpacker } from './layer-puller.js';
import { credentialFromRegistryAuth, type RegistryCredential } from './registry-credential.js';
import { type RegistryEndpoint, RegistryEndpoints } from './registry-endpoints.js';
import { loginDomain, verifyLogin } from './registry-login.js';
import { RegistrySession, TransportState } from './registry-transport.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

export interface RegistryClientOptions {
  content: ContentStore;
  snapshotter: Snapshotter;
  images: ImageStore;
  /**
   * How layers are unpacked: `unpackLayer` from `layers/unpack-layer.ts` runs on this thread.
   * Default: a WorkerLayerUnpacker owned (and closed) by the client, which unpacks each layer in a
   * worker thread so that decompression, hashing and file writes of several layers use several cores.
   */
  unpackLayer?: LayerUnpacker;
  logger: Logger;
  /** `SKIFF_REGISTRY_MIRRORS`: tried in order for docker.io images before Docker Hub. */
  registryMirrors?: readonly string[];
  /** `SKIFF_INSECURE_REGISTRIES`: reached over plain HTTP (loopback always is). */
  insecureRegistries?: readonly string[];
  /** Docker CLI config with credentials; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  dockerConfigPath?: string;
  /** Environment for credential helpers (PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The platform pulled when none is asked for; default this host's. */
  platform?: Platform;
  /** Layers fetched or pushed at once (default 3, as Docker). */
  concurrency?: number;
  retry?: RetryPolicy;
  /** HTTP agent; default one keep-alive undici Agent owned (and closed) by the client. */
  dispatcher?: Dispatcher;
  now?: () => number;
}

export interface RegistryPullOptions {
  platform?: string;
  auth?: RegistryAuth;
  progress?: ProgressSink;
}

export interface RegistryPushOptions {
  auth?: RegistryAuth;
  progress?: ProgressSink;
  uploadMode?: UploadMode;
  chunkSize?: number;
}

/**
 * Pulls from and pushes to registries: the collaborator the image service delegates `pull` and
 * `push` to (same signatures as ImageService). Construct once per engine (it keeps a connection
 * pool and a token cache) and `close()` it on shutdown.
 */
export class RegistryClient {
  private readonly endpoints: RegistryEndpoints;
  private readonly credentials: DockerConfigCredentials;
  private readonly state: TransportState;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly workerUnpacker: WorkerLayerUnpacker | undefined;
  private readonly puller: ImagePuller;
  private readonly pusher: ImagePusher;
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;

  constructor(options: RegistryClientOptions) {
    const now = options.now ?? Date.now;
    this.logger = options.logger.child({ component: 'registry-client' });
    this.endpoints = new RegistryEndpoints({
      mirrors: options.registryMirrors ?? [],
      insecureRegistries: options.insecureRegistries ?? [],
    });
    this.credentials = new DockerConfigCredentials(
      options.dockerConfigPath ?? defaultDockerConfigPath(options.env),
      this.logger,
      options.env,
    );
    this.state = new TransportState(now);
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({ connections: 16, keepAliveTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 120_000 });
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.workerUnpacker = options.unpackLayer ? undefined : new WorkerLayerUnpacker();
    const concurrency = options.concurrency ?? 3;
    const session = (endpoint: RegistryEndpoint, subject: string, auth: RegistryAuth | undefined) =>
      this.session(endpoint, subject, auth);
    this.puller = new ImagePuller({
      content: options.content,
      snapshotter: options.snapshotter,
      images: options.images,
      unpack: options.unpackLayer ?? (this.workerUnpacker as WorkerLayerUnpacker).unpack,
      logger: this.logger,
      retry: this.retry,
      concurrency,
      hostPlatform: options.platform ?? hostPlatform(),
      now,
      endpointsFor: (domain) => this.endpoints.forPull(domain),
      prepareUnpack: (layers) => this.workerUnpacker?.prewarm(layers),
      session,
    });
    this.pusher = new ImagePusher({
      content: options.content,
      images: options.images,
      logger: this.logger,
      concurrency,
      now,
      origin: (domain) => this.endpoints.origin(domain),
      session,
    });
  }

  /** Pulls `ref` for `platform` (default: this host) and records it in the image store. */
  pull(ref: string, options: RegistryPullOptions = {}): Promise<ImageRecord> {
    return this.puller.pull(ref, options);
  }

  /** Pushes the local image `ref` (name:tag) to its registry. */
  push(ref: string, options: RegistryPushOptions = {}): Promise<{ digest: string; size: number }> {
    return this.pusher.push(ref, options);
  }

  /**
   * `POST /auth`: checks `auth` against its registry (`serveraddress`, default Docker Hub) and
   * answers Docker's `IdentityToken` (always empty: no OAuth refresh token is requested). Stores
   * nothing: the CLI keeps credentials in the user's docker config. UnauthorizedError when refused.
   */
  async login(auth: RegistryAuth | undefined): Promise<{ identityToken: string }> {
    const credential = credentialFromRegistryAuth(auth);
    if (!credential)
      throw new InvalidArgumentError('login needs a username and password (or an identity token)');
    const endpoint = this.endpoints.origin(loginDomain(auth?.serveraddress));
    const session = new RegistrySession(endpoint, credential, `login to ${endpoint.display}`, {
      dispatcher: this.dispatcher,
      state: this.state,
      retry: this.retry,
      logger: this.logger,
    });
    await verifyLogin(session);
    this.logger.info({ registry: endpoint.display }, 'login verified');
    return { identityToken: '' };
  }

  /** The configured insecure registries (plain HTTP besides loopback), for `/info` and `skiff doctor`. */
  get insecureRegistries(): readonly string[] {
    return this.endpoints.insecureList;
  }

  /** The configured mirrors, for `skiff doctor`. */
  get registryMirrors(): readonly string[] {
    return this.endpoints.mirrorList;
  }

  /** Whether credentials are configured for a registry domain (never the secret), for `skiff doctor`. */
  async hasCredentials(domain: string): Promise<boolean> {
    return (await this.credentials.get(domain)) !== undefined;
  }

  /** A session for one operation; explicit auth wins, then the docker config. Mirrors get none of them. */
  private async session(endpoint: RegistryEndpoint, subject: string, auth: RegistryAuth | undefined) {
    let credential: RegistryCredential | undefined;
    if (!endpoint.mirror)
      credential = credentialFromRegistryAuth(auth) ?? (await this.credentials.get(endpoint.domain));
    return new RegistrySession(endpoint, credential, subject, {
      dispatcher: this.dispatcher,
      state: this.state,
      retry: this.retry,
      logger: this.logger,
    });
  }

  async close(): Promise<void> {
    await this.workerUnpacker?.close();
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}
