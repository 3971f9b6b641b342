import type { Readable } from 'node:stream';
import { type Digest, sha256 } from '../../content/digest.js';
import { DigestMismatchError, RegistryError } from '../../errors.js';
import type { Descriptor } from '../manifest.js';
import { RegistryErrorCode } from '../registry-constants.js';
import { type RegistryResponse, type RegistrySession, registryErrorText } from './registry-transport.js';

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function header(res: RegistryResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A non-success answer as a RegistryError naming the subject, the registry and the HTTP status. */
export async function unexpectedStatus(
  session: RegistrySession,
  res: RegistryResponse,
  what: string,
): Promise<RegistryError> {
  const detail = await registryErrorText(res);
  const status = res.statusCode;
  return new RegistryError(
    `${session.subject}: ${what} failed: registry ${session.endpoint.display} answered HTTP ${status}${detail ? ` (${detail})` : ''}`,
    status,
    { code: status === 404 ? RegistryErrorCode.NotFound : RegistryErrorCode.Failed },
  );
}

/**
 * GET a blob, from `offset` when resuming (`Range: bytes=offset-`). `start` says where the body
 * begins: a registry that ignores Range answers 200 from byte 0.
 */
export async function openBlob(
  session: RegistrySession,
  repository: string,
  digest: Digest,
  offset: number,
): Promise<{ body: Readable; start: number }> {
  const res = await session.send({
    method: 'GET',
    path: `/v2/${repository}/blobs/${digest}`,
    headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
    scopes: [pullScope(repository)],
  });
  if (res.statusCode === 206 && offset > 0) {
    const m = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
    if (m && Number(m[1]) === offset) return { body: res.body, start: offset };
    res.body.destroy();
    throw new RegistryError(
      `${session.subject}: registry ${session.endpoint.display} answered a range request for ${digest} with the wrong range`,
      206,
    );
  }
  if (res.statusCode === 200) return { body: res.body, start: 0 };
  throw await unexpectedStatus(session, res, `fetching blob ${digest}`);
}

/** Reads a small blob (an image config) whole and verifies it before anyone sees it. */
export async function fetchSmallBlob(
  session: RegistrySession,
  repository: string,
  desc: Descriptor,
): Promise<Buffer> {
  const { body } = await openBlob(session, repository, desc.digest, 0);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > desc.size) {
      body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  const data = Buffer.concat(chunks);
  const actual = sha256(data);
  if (n !== desc.size || actual !== desc.digest) {
    throw new DigestMismatchError(
      `${desc.digest} (${desc.size} bytes)`,
      `${n > desc.size ? `more than ${desc.size}` : n} bytes hashing to ${n > desc.size ? '?' : actual}`,
      `blob ${desc.digest} of ${session.subject} from registry ${session.endpoint.display}`,
    );
  }
  return data;
}
