import { MAX_API_VERSION, MIN_API_VERSION } from '../constants.js';
import { ApiVersionError } from '../errors.js';

function parts(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : [Number.NaN, Number.NaN];
}

export function compareApiVersions(a: string, b: string): number {
  const [am, an] = parts(a);
  const [bm, bn] = parts(b);
  return am !== bm ? am - bm : an - bn;
}

/**
 * Picks the API version to speak: the engine's maximum (`Api-Version` from `/_ping`) clamped to
 * this client's range. An engine whose maximum is below our minimum, or whose minimum is above our
 * maximum, gets a clear error instead of HTTP 400s later (testcontainers-java #11210).
 */
export function negotiateApiVersion(
  serverMax: string | undefined,
  serverMin: string | undefined,
  engineName: string,
): string {
  if (serverMax === undefined || Number.isNaN(parts(serverMax)[0])) {
    // The Go client assumes its own maximum when the header is missing; so do we.
    return MAX_API_VERSION;
  }
  if (compareApiVersions(serverMax, MIN_API_VERSION) < 0) {
    throw new ApiVersionError(
      `${engineName} speaks Docker Engine API up to ${serverMax}, but @skiff/core needs at least ` +
        `${MIN_API_VERSION} (Docker 20.10 or Podman 4). Upgrade the engine or point SKIFF_HOST at another one`,
    );
  }
  if (serverMin !== undefined && compareApiVersions(serverMin, MAX_API_VERSION) > 0) {
    throw new ApiVersionError(
      `${engineName} accepts Docker Engine API ${serverMin} and newer, but @skiff/core speaks at most ` +
        `${MAX_API_VERSION}. Upgrade @skiff/core`,
    );
  }
  return compareApiVersions(serverMax, MAX_API_VERSION) > 0 ? MAX_API_VERSION : serverMax;
}
