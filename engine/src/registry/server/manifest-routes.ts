import { Header } from '../../constants.js';
import { type Digest, isDigest, sha256 } from '../../content/digest.js';
import { isManifestShapeError, type ParsedManifest, parseManifestOrThrow } from '../manifest.js';
import { MAX_MANIFEST_BYTES, RegistryHeader } from '../registry-constants.js';
import { isTag } from '../repository-name.js';
import { DistributionError } from './distribution-error.js';
import { readBody, sendEmpty } from './http-io.js';
import type { RouteContext } from './route-context.js';

function parseReference(reference: string): { digest?: Digest; tag?: string } {
  if (reference.startsWith('sha256:') || reference.includes(':')) {
    if (!isDigest(reference)) {
      throw new DistributionError(400, 'DIGEST_INVALID', `invalid digest ${JSON.stringify(reference)}`);
    }
    return { digest: reference };
  }
  if (!isTag(reference))
    throw new DistributionError(400, 'TAG_INVALID', `invalid tag ${JSON.stringify(reference)}`);
  return { tag: reference };
}

async function resolve(ctx: RouteContext, name: string, reference: string) {
  const ref = parseReference(reference);
  const digest = ref.digest ?? (await ctx.storage.resolveTag(name, ref.tag!));
  const mediaType = digest && (await ctx.storage.manifestMediaType(name, digest));
  if (!digest || !mediaType) {
    throw new DistributionError(404, 'MANIFEST_UNKNOWN', `manifest ${reference} of ${name} is unknown`, {
      name,
      reference,
    });
  }
  return { digest, mediaType };
}

export async function getManifest(ctx: RouteContext, name: string, reference: string, head: boolean) {
  const { digest, mediaType } = await resolve(ctx, name, reference);
  const bytes = await ctx.storage.content.readBuffer(digest);
  ctx.res.writeHead(200, {
    'Content-Type': mediaType,
    'Content-Length': bytes.length,
    [Header.ContentDigest]: digest,
    ETag: `"${digest}"`,
  });
  ctx.res.end(head ? undefined : bytes);
}

/** Blobs and child manifests a manifest points at must already be in the repository. */
async function checkReferences(ctx: RouteContext, name: string, manifest: ParsedManifest) {
  if (manifest.kind === 'index') {
    for (const d of manifest.manifests) {
      if (!(await ctx.storage.manifestMediaType(name, d.digest))) {
        throw new DistributionError(400, 'MANIFEST_BLOB_UNKNOWN', `manifest ${d.digest} is not in ${name}`, {
          digest: d.digest,
        });
      }
    }
    return;
  }
  for (const d of [manifest.config, ...manifest.layers]) {
    if (d.urls?.length) continue; // foreign layers live elsewhere
    const info = await ctx.storage.blobInfo(name, d.digest);
    if (!info) {
      throw new DistributionError(400, 'MANIFEST_BLOB_UNKNOWN', `blob ${d.digest} is not in ${name}`, {
        digest: d.digest,
      });
    }
    if (info.size !== d.size) {
      throw new DistributionError(
        400,
        'MANIFEST_INVALID',
        `descriptor of ${d.digest} says ${d.size} bytes, the blob has ${info.size}`,
      );
    }
  }
}

export async function putManifest(ctx: RouteContext, name: string, reference: string) {
  const ref = parseReference(reference);
  const bytes = await readBody(ctx.req, MAX_MANIFEST_BYTES);
  let manifest: ParsedManifest;
  try {
    manifest = parseManifestOrThrow(bytes, ctx.req.headers['content-type']);
  } catch (err) {
    if (!isManifestShapeError(err)) throw err;
    throw new DistributionError(400, 'MANIFEST_INVALID', `invalid manifest: ${err.message}`);
  }
  const digest = sha256(bytes);
  if (ref.digest && ref.digest !== digest) {
    throw new DistributionError(400, 'DIGEST_INVALID', `manifest digest is ${digest}, not ${ref.digest}`);
  }
  await checkReferences(ctx, name, manifest);
  await ctx.storage.putManifest(name, bytes, manifest.mediaType, ref.tag);
  ctx.logger.info({ name, reference, digest }, 'manifest stored');
  sendEmpty(ctx.res, 201, {
    [RegistryHeader.Location]: `/v2/${name}/manifests/${digest}`,
    [Header.ContentDigest]: digest,
  });
}

export async function deleteManifest(ctx: RouteContext, name: string, reference: string) {
  const ref = parseReference(reference);
  const removed = ref.digest
    ? await ctx.storage.deleteManifest(name, ref.digest)
    : await ctx.storage.deleteTag(name, ref.tag!);
  if (!removed) {
    throw new DistributionError(404, 'MANIFEST_UNKNOWN', `manifest ${reference} of ${name} is unknown`);
  }
  sendEmpty(ctx.res, 202);
}
