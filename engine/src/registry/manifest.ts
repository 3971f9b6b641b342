import { MediaType } from '../constants.js';
import { type Digest, isDigest } from '../content/digest.js';
import { RegistryError } from '../errors.js';
import { RegistryErrorCode } from './registry-constants.js';

/** A content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string; 'os.version'?: string };
  artifactType?: string;
}

/** An OCI image manifest or a Docker schema 2 manifest: the same shape. */
export interface ImageManifest {
  kind: 'manifest';
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An OCI index or a Docker manifest list. */
export interface ImageIndex {
  kind: 'index';
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type ParsedManifest = ImageManifest | ImageIndex;

export const INDEX_TYPES: ReadonlySet<string> = new Set([MediaType.OciIndex, MediaType.DockerManifestList]);
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([MediaType.OciManifest, MediaType.DockerManifest]);

export const LAYER_TYPES: ReadonlySet<string> = new Set([
  MediaType.OciLayer,
  MediaType.OciLayerGzip,
  MediaType.OciLayerZstd,
  MediaType.DockerLayerGzip,
  MediaType.DockerForeignLayerGzip,
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

class ManifestShapeError extends Error {}

function fail(why: string): never {
  throw new ManifestShapeError(why);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string'))
    fail(`${where} must map strings to strings`);
  return v as Record<string, string>;
}

export function parseDescriptor(v: unknown, where: string): Descriptor {
  if (!isRecord(v)) fail(`${where} is not an object`);
  const { mediaType, digest, size, urls, platform } = v;
  if (typeof mediaType !== 'string' || mediaType.length === 0) fail(`${where}.mediaType is missing`);
  if (typeof digest !== 'string' || !isDigest(digest))
    fail(`${where}.digest ${JSON.stringify(digest)} is not a sha256 digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    fail(`${where}.size must be a non-negative integer`);
  const out: Descriptor = { mediaType, digest, size };
  if (urls !== undefined) {
    if (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string'))
      fail(`${where}.urls must be strings`);
    out.urls = urls as string[];
  }
  const annotations = stringMap(v.annotations, `${where}.annotations`);
  if (annotations) out.annotations = annotations;
  if (platform !== undefined) {
    if (!isRecord(platform) || typeof platform.os !== 'string' || typeof platform.architecture !== 'string')
      fail(`${where}.platform needs os and architecture`);
    out.platform = {
      os: platform.os,
      architecture: platform.architecture,
      ...(typeof platform.variant === 'string' ? { variant: platform.variant } : {}),
      ...(typeof platform['os.version'] === 'string' ? { 'os.version': platform['os.version'] } : {}),
    };
  }
  if (typeof v.artifactType === 'string') out.artifactType = v.artifactType;
  return out;
}

/**
 * Parses manifest bytes. The media type comes from the document's own `mediaType` when present,
 * else from the HTTP Content-Type (OCI documents may omit the field). Throws ManifestShapeError
 * wrapped by callers into the error of their side (client: RegistryError, server: MANIFEST_INVALID).
 */
export function parseManifestOrThrow(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    fail(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(doc)) fail('not a JSON object');
  if (doc.schemaVersion !== 2)
    fail(`schemaVersion ${JSON.stringify(doc.schemaVersion)} is not supported (2)`);
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim();
  let mediaType = declared ?? header;
  if (mediaType === undefined || (!INDEX_TYPES.has(mediaType) && !MANIFEST_TYPES.has(mediaType))) {
    // An OCI document without mediaType, served as something generic: infer from the shape.
    if (declared === undefined && Array.isArray(doc.manifests)) mediaType = MediaType.OciIndex;
    else if (declared === undefined && isRecord(doc.config)) mediaType = MediaType.OciManifest;
    else fail(`media type ${JSON.stringify(mediaType)} is not a manifest or index type`);
  }
  const annotations = stringMap(doc.annotations, 'annotations');
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) fail('index has no manifests array');
    const manifests = doc.manifests.map((m, i) => parseDescriptor(m, `manifests[${i}]`));
    return { kind: 'index', schemaVersion: 2, mediaType, manifests, ...(annotations ? { annotations } : {}) };
  }
  const config = parseDescriptor(doc.config, 'config');
  if (!Array.isArray(doc.layers)) fail('manifest has no layers array');
  const layers = doc.layers.map((l, i) => parseDescriptor(l, `layers[${i}]`));
  return {
    kind: 'manifest',
    schemaVersion: 2,
    mediaType,
    config,
    layers,
    ...(annotations ? { annotations } : {}),
  };
}

export function isManifestShapeError(err: unknown): err is Error {
  return err instanceof ManifestShapeError;
}

/** Client side: a malformed manifest becomes a RegistryError naming the image and registry. */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | undefined,
  where: { image: string; registry: string },
): ParsedManifest {
  try {
    return parseManifestOrThrow(bytes, contentType);
  } catch (err) {
    if (!isManifestShapeError(err)) throw err;
    throw new RegistryError(
      `malformed manifest for ${where.image} from ${where.registry}: ${err.message}`,
      undefined,
      { code: RegistryErrorCode.ManifestInvalid },
    );
  }
}
