import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { type Pack, pack } from 'tar-stream';
import { MediaType } from '../constants.js';
import { type Digest, digestHex, sha256 } from '../content/digest.js';
import { DigestMismatchError, NotFoundError, SkiffError } from '../errors.js';
import { createDecompressor } from '../layers/decompress.js';
import { waitDrain } from '../layers/wait-drain.js';
import type { ImageLayer, ImageRecord } from './image-record.js';
import type { ImageServiceDeps } from './image-service-deps.js';
import { familiarName, familiarRepository, formatReference, parseReference } from './reference.js';

/** One image to save and the names it is saved under (none when it was named by ID). */
interface SaveItem {
  record: ImageRecord;
  names: string[];
}

const MTIME = new Date(0);
const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';

/**
 * `docker save` in the Docker 25+ layout: an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/…` with uncompressed layer tars) plus the legacy `manifest.json` and
 * `repositories`, so both `docker load` generations and OCI tools read it. Errors (unknown
 * image, missing layer content) destroy the stream.
 */
export function saveArchive(deps: ImageServiceDeps, refs: readonly string[]): Readable {
  const out = pack();
  writeArchive(deps, refs, out).then(
    () => out.finalize(),
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return Readable.from(out as AsyncIterable<Buffer>, { objectMode: false });
}

async function writeArchive(deps: ImageServiceDeps, refs: readonly string[], out: Pack): Promise<void> {
  const items = await resolveItems(deps, refs);
  await entry(out, { name: 'blobs/', type: 'directory' });
  await entry(out, { name: 'blobs/sha256/', type: 'directory' });
  const written = new Set<Digest>();
  const index: object[] = [];
  const manifests: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { record, names } of items) {
    const configBytes = await deps.content.readBuffer(record.id).catch((err: unknown) => {
      throw new SkiffError(
        'SKIFF_IMAGE_INCOMPLETE',
        `cannot save image ${record.id}: its config blob is missing from the content store; pull or import it again`,
        { cause: err },
      );
    });
    if (!written.has(record.id)) {
      await entry(out, { name: blobPath(record.id) }, configBytes);
      written.add(record.id);
    }
    for (const layer of record.layers) {
      if (written.has(layer.diffId)) continue;
      await writeLayer(deps, out, record, layer);
      written.add(layer.diffId);
    }
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: record.id, size: configBytes.length },
        layers: record.layers.map((l) => ({ mediaType: MediaType.OciLayer, digest: l.diffId, size: l.size })),
      }),
    );
    const manifestDigest = sha256(manifest);
    if (!written.has(manifestDigest)) {
      await entry(out, { name: blobPath(manifestDigest) }, manifest);
      written.add(manifestDigest);
    }
    const descriptor = { mediaType: MediaType.OciManifest, digest: manifestDigest, size: manifest.length };
    if (names.length === 0) index.push(descriptor);
    for (const name of names) {
      const ref = parseReference(name);
      index.push({
        ...descriptor,
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': ref.tag },
      });
      const top = record.layers[record.layers.length - 1];
      if (top) {
        const repo = familiarRepository(ref);
        repositories[repo] = { ...repositories[repo], [ref.tag as string]: digestHex(top.diffId) };
      }
    }
    manifests.push({
      Config: blobPath(record.id),
      RepoTags: names.length > 0 ? names.map((n) => familiarName(parseReference(n))) : null,
      Layers: record.layers.map((l) => blobPath(l.diffId)),
    });
  }
  const indexJson = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: index };
  await entry(out, { name: 'index.json' }, Buffer.from(JSON.stringify(indexJson)));
  await entry(out, { name: 'manifest.json' }, Buffer.from(JSON.stringify(manifests)));
  await entry(out, { name: 'oci-layout' }, Buffer.from(OCI_LAYOUT));
  if (Object.keys(repositories).length > 0) {
    await entry(out, { name: 'repositories' }, Buffer.from(JSON.stringify(repositories)));
  }
}

/**
 * Names are saved as given; an ID saves the image without names; a repository without a tag
 * (`docker save busybox`) saves every tag of that repository, as Docker does.
 */
async function resolveItems(deps: ImageServiceDeps, refs: readonly string[]): Promise<SaveItem[]> {
  const byId = new Map<Digest, SaveItem>();
  const add = (record: ImageRecord, name?: string) => {
    let item = byId.get(record.id);
    if (!item) {
      item = { record, names: [] };
      byId.set(record.id, item);
    }
    if (name !== undefined && !item.names.includes(name)) item.names.push(name);
  };
  for (const ref of refs) {
    const repo = repoOnlyName(ref);
    if (repo !== undefined) {
      const tagged = (await deps.store.list()).flatMap((r) =>
        r.repoTags.filter((t) => repoOf(t) === repo).map((t) => [r, t] as const),
      );
      for (const [r, t] of tagged) add(r, t);
      if (tagged.length > 0) continue;
    }
    const record = await deps.store.get(ref);
    const canonical = canonicalName(ref);
    add(record, canonical !== undefined && record.repoTags.includes(canonical) ? canonical : undefined);
  }
  if (byId.size === 0) throw new NotFoundError('image', refs.join(', '));
  return [...byId.values()];
}

function canonicalName(ref: string): string | undefined {
  try {
    return formatReference(parseReference(ref));
  } catch {
    return undefined;
  }
}

/** The canonical repository when `ref` is a name written without tag or digest. */
function repoOnlyName(ref: string): string | undefined {
  try {
    const parsed = parseReference(ref);
    if (parsed.digest !== undefined || ref.endsWith(`:${parsed.tag}`)) return undefined;
    return `${parsed.domain}/${parsed.path}`;
  } catch {
    return undefined;
  }
}

function repoOf(name: string): string {
  const ref = parseReference(name);
  return `${ref.domain}/${ref.path}`;
}

/** Streams a layer as its uncompressed tar, checking it still hashes to the diff ID. */
async function writeLayer(
  deps: ImageServiceDeps,
  out: Pack,
  record: ImageRecord,
  layer: ImageLayer,
): Promise<void> {
  let source: Readable;
  if (await deps.content.has(layer.diffId)) source = deps.content.read(layer.diffId);
  else if (layer.blob && (await deps.content.has(layer.blob.digest))) {
    source = deps.content.read(layer.blob.digest).pipe(createDecompressor());
  } else {
    throw new SkiffError(
      'SKIFF_IMAGE_INCOMPLETE',
      `cannot save image ${record.id}: layer ${layer.diffId} has no blob in the content store; pull or import the image again`,
    );
  }
  const hash = createHash('sha256');
  let size = 0;
  const verify = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      const digest: Digest = `sha256:${hash.digest('hex')}`;
      if (digest !== layer.diffId || size !== layer.size) {
        cb(
          new DigestMismatchError(
            `${layer.diffId} (${layer.size} bytes)`,
            `${digest} (${size} bytes)`,
            'stored layer',
          ),
        );
      } else cb();
    },
  });
  source.on('error', (err) => verify.destroy(err));
  await entry(out, { name: blobPath(layer.diffId), size: layer.size }, source.pipe(verify));
}

function blobPath(digest: Digest): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

/** Adds one entry; data is a buffer, a stream of exactly `size` bytes, or nothing. */
async function entry(
  out: Pack,
  header: { name: string; type?: 'directory' | 'file'; size?: number },
  data?: Buffer | Readable,
): Promise<void> {
  const base = {
    mode: header.type === 'directory' ? 0o755 : 0o644,
    mtime: MTIME,
    uid: 0,
    gid: 0,
    ...header,
  };
  if (data === undefined || Buffer.isBuffer(data)) {
    await new Promise<void>((resolve, reject) => {
      out.entry(base, data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
    return;
  }
  let settle!: (err?: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const sink = out.entry(base, (err) => settle(err));
  try {
    for await (const chunk of data) {
      if (!sink.write(chunk as Buffer)) await waitDrain(sink);
    }
  } catch (err) {
    sink.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  sink.end(undefined);
  await done;
}
