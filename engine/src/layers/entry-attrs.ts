import type { Header } from 'tar-stream';
import { isOverlayXattr, PAX_XATTR_PREFIX } from './overlay-format.js';
import { isValidXattrName, type XattrMap } from './xattr-dump.js';

/** The metadata of an entry that ends up on the file. */
export interface Attrs {
  mode: number;
  uid: number;
  gid: number;
  atime: Date;
  mtime: Date;
}

/** Mode, owner and times of an entry; PAX times (sub-second) win over the header's seconds. */
export function attrsOf(header: Header): Attrs {
  const pax = paxOf(header);
  const mtime = paxTime(pax?.mtime) ?? header.mtime ?? new Date(0);
  return {
    mode: (header.mode ?? 0o644) & 0o7777,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    mtime,
    atime: paxTime(pax?.atime) ?? mtime,
  };
}

export function paxOf(header: Header): Record<string, string> | undefined {
  const pax = header.pax;
  return typeof pax === 'object' && pax !== null ? (pax as Record<string, string>) : undefined;
}

function paxTime(value: string | undefined): Date | undefined {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return new Date(Number(value) * 1000);
}

/**
 * The xattrs an entry carries in PAX records that may be restored: user.*, trusted.* and
 * security.capability. Overlay xattrs could redirect lookups or fake opaque directories, and a
 * value tar-stream decoded lossily (not UTF-8) cannot be restored exactly: both are dropped (best
 * effort, like Docker's ignore list).
 */
export function xattrsOf(header: Header): XattrMap | undefined {
  const pax = paxOf(header);
  if (!pax) return undefined;
  let attrs: XattrMap | undefined;
  for (const [key, value] of Object.entries(pax)) {
    if (!key.startsWith(PAX_XATTR_PREFIX)) continue;
    const name = key.slice(PAX_XATTR_PREFIX.length);
    if (!isValidXattrName(name) || isOverlayXattr(name) || value.includes('\uFFFD')) continue;
    if (!name.startsWith('user.') && !name.startsWith('trusted.') && name !== 'security.capability') continue;
    attrs ??= new Map();
    attrs.set(name, Buffer.from(value, 'utf8'));
  }
  return attrs;
}
