import { Header } from '../../constants.js';
import type { ContentStore } from '../../content/content-store.js';
import { type Digest, isDigest, sha256 } from '../../content/digest.js';
import { DigestMismatchError, RegistryError } from '../../errors.js';
import { type ParsedManifest, parseManifest } from '../manifest.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, RegistryErrorCode } from '../registry-constants.js';
import { pullScope, unexpectedStatus } from './blob-requests.js';
import { type RegistrySession, registryErrorText } from './registry-transport.js';

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  parsed: ParsedManifest;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * GETs a manifest by tag or digest with every manifest type in Accept, reads at most
 * MAX_MANIFEST_BYTES, and checks its digest against the reference (pull by digest) and against
 * `Docker-Content-Digest`. With a digest reference and `content`, a locally stored copy is used.
 */
export async function fetchManifest(
  session: RegistrySession,
  repository: string,
  reference: string,
  image: string,
  content?: ContentStore,
): Promise<FetchedManifest> {
  const where = { image, registry: session.endpoint.display };
  if (content && isDigest(reference) && (await content.has(reference))) {
    const bytes = await content.readBuffer(reference);
    const parsed = parseManifest(bytes, undefined, where);
    return { bytes, digest: reference, mediaType: parsed.mediaType, parsed };
  }
  const res = await session.send({
    method: 'GET',
    path: `/v2/${repository}/manifests/${reference}`,
    headers: { Accept: MANIFEST_ACCEPT.join(', ') },
    scopes: [pullScope(repository)],
  });
  if (res.statusCode === 404) {
    const detail = await registryErrorText(res);
    throw new RegistryError(
      `${image} not found: registry ${session.endpoint.display} has no manifest ${reference} in repository ${repository} (HTTP 404${detail ? ` ${detail}` : ''}); check the name and tag`,
      404,
      { code: RegistryErrorCode.NotFound },
    );
  }
  if (res.statusCode !== 200) throw await unexpectedStatus(session, res, `fetching manifest ${reference}`);
  const declared = Number(header(res.headers['content-length']) ?? 0);
  if (declared > MAX_MANIFEST_BYTES) {
    res.body.destroy();
    throw new RegistryError(
      `${image}: manifest from ${session.endpoint.display} is ${declared} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
      200,
      {
        code: RegistryErrorCode.ManifestInvalid,
      },
    );
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw new RegistryError(
        `${image}: manifest from ${session.endpoint.display} exceeds ${MAX_MANIFEST_BYTES} bytes`,
        200,
        {
          code: RegistryErrorCode.ManifestInvalid,
        },
      );
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  const digest = sha256(bytes);
  const what = `manifest ${reference} of ${image} from registry ${session.endpoint.display}`;
  if (isDigest(reference) && reference !== digest) throw new DigestMismatchError(reference, digest, what);
  const claimed = header(res.headers[Header.ContentDigest.toLowerCase()]);
  if (claimed && isDigest(claimed) && claimed !== digest)
    throw new DigestMismatchError(claimed, digest, what);
  const parsed = parseManifest(bytes, header(res.headers['content-type']), where);
  return { bytes, digest, mediaType: parsed.mediaType, parsed };
}
