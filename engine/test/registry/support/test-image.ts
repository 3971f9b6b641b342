import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { MediaType } from '../../../src/constants.js';
import { type Digest, sha256 } from '../../../src/content/digest.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export interface TestLayer {
  blob: Buffer;
  diffId: Digest;
  digest: Digest;
  mediaType: string;
}

export interface TestImage {
  config: Buffer;
  configDigest: Digest;
  layers: TestLayer[];
  manifest: Buffer;
  manifestDigest: Digest;
  mediaType: string;
}

/** A tar of the given files (regular files, mode 0644, fixed mtime so digests are stable). */
export async function makeTar(files: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, mode: 0o644, mtime: new Date(0) }, content, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function compress(data: Buffer, how: Compression): Buffer {
  if (how === 'gzip') return gzipSync(data, { level: 1 });
  if (how === 'zstd') {
    const out = spawnSync('zstd', ['-q', '-c', '-1'], { input: data, maxBuffer: 1 << 30 });
    if (out.status !== 0) throw new Error(`zstd failed: ${out.stderr}`);
    return out.stdout;
  }
  return data;
}

const LAYER_TYPE: Record<Compression, { oci: string; docker: string }> = {
  gzip: { oci: MediaType.OciLayerGzip, docker: MediaType.DockerLayerGzip },
  zstd: { oci: MediaType.OciLayerZstd, docker: MediaType.OciLayerZstd },
  none: { oci: MediaType.OciLayer, docker: 'application/vnd.docker.image.rootfs.diff.tar' },
};

/** An image from tars; `format` picks OCI or Docker schema 2 media types. */
export function buildImage(
  tars: { tar: Buffer; compression: Compression }[],
  options: {
    format?: 'oci' | 'docker';
    os?: string;
    architecture?: string;
    variant?: string;
    cmd?: string[];
  } = {},
): TestImage {
  const format = options.format ?? 'oci';
  const layers = tars.map(({ tar: t, compression }) => {
    const blob = compress(t, compression);
    return { blob, diffId: sha256(t), digest: sha256(blob), mediaType: LAYER_TYPE[compression][format] };
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: options.os ?? 'linux',
      ...(options.variant ? { variant: options.variant } : {}),
      config: { Cmd: options.cmd ?? ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created_by: 'test' })),
    }),
  );
  const mediaType = format === 'oci' ? MediaType.OciManifest : MediaType.DockerManifest;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: format === 'oci' ? MediaType.OciConfig : MediaType.DockerConfig,
        digest: sha256(config),
        size: config.length,
      },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  return {
    config,
    configDigest: sha256(config),
    layers,
    manifest,
    manifestDigest: sha256(manifest),
    mediaType,
  };
}

export function buildIndex(
  entries: { image: TestImage; platform: Record<string, string>; annotations?: Record<string, string> }[],
  format: 'oci' | 'docker' = 'oci',
) {
  const mediaType = format === 'oci' ? MediaType.OciIndex : MediaType.DockerManifestList;
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: entries.map((e) => ({
        mediaType: e.image.mediaType,
        digest: e.image.manifestDigest,
        size: e.image.manifest.length,
        platform: e.platform,
        ...(e.annotations ? { annotations: e.annotations } : {}),
      })),
    }),
  );
  return { bytes, digest: sha256(bytes), mediaType };
}

/** Uploads a blob with POST + monolithic PUT, which every registry supports. */
export async function uploadBlob(
  base: string,
  repo: string,
  data: Buffer,
  headers: Record<string, string> = {},
) {
  const digest = sha256(data);
  const head = await fetch(`${base}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', headers });
  if (head.status === 200) return digest;
  const post = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  if (post.status !== 202) throw new Error(`POST upload: ${post.status} ${await post.text()}`);
  const loc = new URL(post.headers.get('location')!, base);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, {
    method: 'PUT',
    body: data,
    headers: { ...headers, 'Content-Type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${await put.text()}`);
  return digest;
}

export async function putManifest(
  base: string,
  repo: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    body: bytes,
    headers: { ...headers, 'Content-Type': mediaType },
  });
  if (res.status !== 201) throw new Error(`PUT manifest: ${res.status} ${await res.text()}`);
}

/** Puts an image (blobs, then manifest under `tag`) into a registry through raw HTTP. */
export async function seedImage(
  base: string,
  repo: string,
  tag: string | undefined,
  image: TestImage,
  headers: Record<string, string> = {},
) {
  for (const l of image.layers) await uploadBlob(base, repo, l.blob, headers);
  await uploadBlob(base, repo, image.config, headers);
  await putManifest(base, repo, tag ?? image.manifestDigest, image.manifest, image.mediaType, headers);
}
