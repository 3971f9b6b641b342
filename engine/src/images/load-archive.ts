import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MediaType } from '../constants.js';
import { chainIds, type Digest, isDigest } from '../content/digest.js';
import { DigestMismatchError, InvalidArgumentError } from '../errors.js';
import { createDecompressor, detectCompression } from '../layers/decompress.js';
import { unpackLayer } from '../layers/unpack-layer.js';
import { type ArchiveFile, ArchiveReader } from './archive-reader.js';
import { hostPlatform, type ImageConfig } from './image-config.js';
import type { ImageLayer } from './image-record.js';
import type { ProgressSink } from './image-service.js';
import type { ImageServiceDeps } from './image-service-deps.js';
import { familiarName, formatReference, parseReference } from './reference.js';

/** One image found in the archive, before anything is stored. */
interface ArchiveImage {
  config: { bytes: Buffer; value: unknown };
  layers: { name: string; file: ArchiveFile }[];
  names: string[];
}

/**
 * `docker load`: reads a `docker save` archive — the legacy layout (`manifest.json` pointing at
 * `<id>/layer.tar` and `<id>.json`) or the OCI layout of Docker 25+ (also with `manifest.json`, or
 * only `index.json`) — verifies every config and layer against the digests that name them,
 * unpacks layers into snapshots and records the images with their tags.
 */
export async function loadArchive(
  deps: ImageServiceDeps,
  tar: Readable,
  progress: ProgressSink = () => {},
): Promise<{ loaded: string[] }> {
  const archive = await ArchiveReader.read(deps.content, tar);
  try {
    const images = archive.has('manifest.json')
      ? await fromManifestJson(archive)
      : await fromOciIndex(archive);
    const loaded: string[] = [];
    for (const image of images) loaded.push(...(await loadImage(deps, archive, image, progress)));
    return { loaded };
  } finally {
    // Large archive files went to the content store while reading; keep only what images use.
    const used = new Set<Digest>();
    for (const r of await deps.store.list()) {
      used.add(r.id);
      for (const l of r.layers) if (l.blob) used.add(l.blob.digest);
    }
    for (const d of archive.ingested) if (!used.has(d)) await deps.content.delete(d);
  }
}

async function fromManifestJson(archive: ArchiveReader): Promise<ArchiveImage[]> {
  const { value } = await archive.json('manifest.json', 'the archive');
  if (!Array.isArray(value)) throw invalid('manifest.json is not a JSON array');
  const images: ArchiveImage[] = [];
  for (const [i, item] of value.entries()) {
    const where = `manifest.json entry ${i}`;
    if (typeof item !== 'object' || item === null) throw invalid(`${where} is not an object`);
    const { Config, RepoTags, Layers } = item as Record<string, unknown>;
    if (typeof Config !== 'string') throw invalid(`${where} has no Config path`);
    if (!Array.isArray(Layers) || !Layers.every((l) => typeof l === 'string')) {
      throw invalid(`${where}: Layers must be a list of paths`);
    }
    if (RepoTags != null && (!Array.isArray(RepoTags) || !RepoTags.every((t) => typeof t === 'string'))) {
      throw invalid(`${where}: RepoTags must be a list of names`);
    }
    const configFile = archive.file(Config, where);
    archive.verifyBlobPath(Config, configFile);
    images.push({
      config: await jsonOf(archive, configFile, Config),
      layers: (Layers as string[]).map((name) => ({ name, file: archive.file(name, where) })),
      names: ((RepoTags as string[] | null | undefined) ?? []).map((t) => tagName(t, where)),
    });
  }
  return images;
}

/** An OCI image layout without `manifest.json`: names come from containerd's annotation. */
async function fromOciIndex(archive: ArchiveReader): Promise<ArchiveImage[]> {
  if (!archive.has('index.json')) {
    throw invalid('it has neither manifest.json nor index.json; is it the output of docker save?');
  }
  const { value } = await archive.json('index.json', 'the archive');
  const images: ArchiveImage[] = [];
  for (const desc of descriptors(value, 'index.json')) {
    let manifest = await blobJson(archive, desc, 'index.json');
    if (Array.isArray((manifest as { manifests?: unknown }).manifests)) {
      const host = hostPlatform();
      const pick = descriptors(manifest, desc.digest).find(
        (d) => d.platform?.os === host.os && d.platform?.architecture === host.architecture,
      );
      if (!pick) throw invalid(`index ${desc.digest} has no manifest for ${host.os}/${host.architecture}`);
      manifest = await blobJson(archive, pick, desc.digest);
    }
    const m = manifest as { config?: unknown; layers?: unknown };
    const [config] = descriptors({ manifests: [m.config] }, `manifest ${desc.digest}`);
    const layers = descriptors({ manifests: m.layers }, `manifest ${desc.digest}`);
    const configName = blobName(config as Descriptor);
    const configFile = archive.file(configName, `manifest ${desc.digest}`);
    archive.verifyBlobPath(configName, configFile);
    const name = desc.annotations?.['io.containerd.image.name'];
    images.push({
      config: await jsonOf(archive, configFile, configName),
      layers: layers.map((l) => ({
        name: blobName(l),
        file: archive.file(blobName(l), `manifest ${desc.digest}`),
      })),
      names: name ? [tagName(name, 'index.json')] : [],
    });
  }
  return images;
}

interface Descriptor {
  digest: Digest;
  size?: number;
  mediaType?: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

function descriptors(value: unknown, where: string): Descriptor[] {
  const list = (value as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(list)) throw invalid(`${where} has no list of descriptors`);
  return list.map((d) => {
    if (typeof d !== 'object' || d === null || !isDigest(String((d as Descriptor).digest))) {
      throw invalid(`${where} holds a descriptor without a sha256 digest`);
    }
    return d as Descriptor;
  });
}

function blobName(desc: Descriptor): string {
  return `blobs/sha256/${desc.digest.slice('sha256:'.length)}`;
}

async function blobJson(archive: ArchiveReader, desc: Descriptor, where: string): Promise<unknown> {
  const name = blobName(desc);
  const file = archive.file(name, where);
  archive.verifyBlobPath(name, file);
  return (await jsonOf(archive, file, name)).value;
}

async function jsonOf(archive: ArchiveReader, file: ArchiveFile, name: string) {
  const bytes = await archive.bytes(file, name);
  try {
    return { bytes, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (err) {
    throw invalid(`${name} is not valid JSON: ${(err as Error).message}`);
  }
}

async function loadImage(
  deps: ImageServiceDeps,
  archive: ArchiveReader,
  image: ArchiveImage,
  progress: ProgressSink,
): Promise<string[]> {
  const config = checkConfig(image.config.value);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== image.layers.length) {
    throw invalid(
      `the image config lists ${diffIds.length} layers but the archive gives ${image.layers.length}`,
    );
  }
  const chains = chainIds(diffIds);
  const layers: ImageLayer[] = [];
  for (const [i, { name, file }] of image.layers.entries()) {
    const diffId = diffIds[i] as Digest;
    const chainId = chains[i] as Digest;
    archive.verifyBlobPath(name, file);
    const blob = await archive.store(file);
    let unpackedSize: number | undefined;
    await deps.snapshotter.ensure(chainId, async (dir) => {
      const r = await unpackLayer(deps.content.read(blob.digest), dir, {
        expectedDiffId: diffId,
        specialFiles: deps.specialFiles,
      });
      unpackedSize = r.size;
      return { size: r.fileBytes };
    });
    // Without an unpack the blob is still checked against the diff ID it claims.
    const size =
      blob.digest === diffId
        ? blob.size
        : (unpackedSize ?? (await uncompressedSize(deps, blob.digest, diffId)));
    const head = file.kind === 'memory' ? file.data : await firstBytes(deps, blob.digest);
    const compression = detectCompression(head);
    const mediaType =
      compression === 'gzip'
        ? MediaType.OciLayerGzip
        : compression === 'zstd'
          ? MediaType.OciLayerZstd
          : MediaType.OciLayer;
    layers.push({ diffId, chainId, size, blob: { digest: blob.digest, size: blob.size, mediaType } });
  }
  const configBlob = await deps.content.put(image.config.bytes);
  for (const name of image.names) {
    const previous = await deps.store.find(name);
    if (previous && previous.id !== configBlob.digest) {
      progress({
        stream: `The image ${familiarName(parseReference(name))} already exists, renaming the old one with ID ${previous.id} to empty string\n`,
      });
    }
  }
  const record = await deps.store.put({ configDigest: configBlob.digest, config, layers, tags: image.names });
  deps.logger.info({ image: record.id, names: image.names }, 'image loaded');
  if (image.names.length === 0) {
    progress({ stream: `Loaded image ID: ${record.id}\n` });
    return [record.id];
  }
  const names = image.names.map((n) => familiarName(parseReference(n)));
  for (const n of names) progress({ stream: `Loaded image: ${n}\n` });
  return names;
}

function checkConfig(value: unknown): ImageConfig {
  const c = value as Partial<ImageConfig> | null;
  if (typeof c !== 'object' || c === null) throw invalid('an image config is not a JSON object');
  const diffIds = c.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && isDigest(d))) {
    throw invalid('an image config has no rootfs.diff_ids list of sha256 digests');
  }
  if (typeof c.os !== 'string' || typeof c.architecture !== 'string') {
    throw invalid('an image config lacks os or architecture');
  }
  return c as ImageConfig;
}

async function uncompressedSize(deps: ImageServiceDeps, blob: Digest, diffId: Digest): Promise<number> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of deps.content.read(blob).pipe(createDecompressor())) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const actual: Digest = `sha256:${hash.digest('hex')}`;
  if (actual !== diffId) throw new DigestMismatchError(diffId, actual, 'archive layer diff ID mismatch');
  return size;
}

async function firstBytes(deps: ImageServiceDeps, digest: Digest): Promise<Buffer> {
  for await (const chunk of deps.content.read(digest, { start: 0, end: 4 })) return chunk as Buffer;
  return Buffer.alloc(0);
}

function tagName(name: string, where: string): string {
  try {
    const ref = parseReference(name);
    if (ref.digest !== undefined) throw new Error('a digest is not a tag');
    return formatReference(ref);
  } catch (err) {
    throw invalid(
      `${where} names ${JSON.stringify(name)}, which is not a valid image name: ${(err as Error).message}`,
    );
  }
}

function invalid(detail: string): InvalidArgumentError {
  return new InvalidArgumentError(`cannot load the image archive: ${detail}`);
}
