import { API_VERSION, MIN_API_VERSION } from '../constants.js';
import { UnsupportedApiVersionError } from './api-errors.js';

const VERSIONED_PATH = /^\/v(\d+\.\d+)(\/.*)$/;

/** Splits `/v1.45/containers/json` into the version and the bare path; bare paths use the default (= max). */
export function splitVersionedPath(path: string): { version: string | undefined; path: string } {
  const m = VERSIONED_PATH.exec(path);
  if (!m) return { version: undefined, path };
  return { version: m[1], path: m[2] ?? '/' };
}

/** Compares dotted versions numerically: `1.9 < 1.24 < 1.45`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function versionAtLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

/** moby's version middleware: 400 with its exact wording outside [MIN_API_VERSION, API_VERSION]. */
export function negotiateApiVersion(requested: string | undefined): string {
  if (requested === undefined) return API_VERSION;
  if (compareVersions(requested, API_VERSION) > 0) {
    throw new UnsupportedApiVersionError(
      `client version ${requested} is too new. Maximum supported API version is ${API_VERSION}`,
    );
  }
  if (compareVersions(requested, MIN_API_VERSION) < 0) {
    throw new UnsupportedApiVersionError(
      `client version ${requested} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return requested;
}
