/** Magic strings of the engine, in one place (STYLE.md habit 5). */

/** The Docker Engine API version Skiff advertises, and the oldest it accepts. */
export const API_VERSION = '1.45';
export const MIN_API_VERSION = '1.24';
export const ENGINE_VERSION = '0.1.0';

export const DEFAULT_SOCKET_PATH = '/run/skiff/skiff.sock';
export const DEFAULT_ROOT = '/var/lib/skiff';
/** Scratch space (container upper dirs, bundles) lives on tmpfs: the root fs here is slow after mass deletes. */
export const DEFAULT_SCRATCH_ROOT = '/dev/shm/skiff';
export const DEFAULT_ENGINE_NAME = 'default';

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerMultiplexedStream: 'application/vnd.docker.multiplexed-stream',
  DockerRawStream: 'application/vnd.docker.raw-stream',
} as const;

export const Label = {
  /** Every resource a client session creates carries its session id. */
  Session: 'dev.skiff.session',
  /** Environments started by `skiff up`. */
  Environment: 'dev.skiff.environment',
  ComposeProject: 'com.docker.compose.project',
  ComposeService: 'com.docker.compose.service',
} as const;

export const Header = {
  ApiVersion: 'Api-Version',
  OsType: 'Ostype',
  DockerExperimental: 'Docker-Experimental',
  BuilderVersion: 'Builder-Version',
  RegistryAuth: 'X-Registry-Auth',
  RegistryConfig: 'X-Registry-Config',
  ContainerPathStat: 'X-Docker-Container-Path-Stat',
  ContentDigest: 'Docker-Content-Digest',
  DistributionApiVersion: 'Docker-Distribution-API-Version',
} as const;

/** The zero time Docker reports for a timestamp that never happened. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * testcontainers' name for the host (its port forwarder and `exposeHostPorts`): every container on
 * a bridge network gets it in `/etc/hosts`, pointing at the gateway like `host.skiff.internal` and
 * `host.docker.internal` (which `@skiff/net` maps itself), unless `--add-host` names it already.
 */
export const TESTCONTAINERS_HOST_ALIAS = 'host.testcontainers.internal';
