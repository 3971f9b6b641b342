/**
 * Names of the layer-tar and overlayfs conventions for deleted and hidden paths (image-spec
 * layer.md §Whiteouts; the kernel's Documentation/filesystems/overlayfs.rst).
 */

/** `dir/.wh.<name>` in a layer tar deletes `<name>` of the lower layers. */
export const WHITEOUT_PREFIX = '.wh.';
/** `dir/.wh..wh..opq` hides every lower child of `dir`. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** AUFS bookkeeping entries (`.wh..wh.plnk`, `.wh..wh.aufs`) that carry no meaning for overlayfs. */
export const AUFS_META_PREFIX = '.wh..wh.';

/** On overlayfs an opaque directory carries this xattr with the value `y`. */
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Every xattr overlayfs interprets lives under these prefixes; archives may never set them. */
export const OVERLAY_XATTR_PREFIXES = ['trusted.overlay.', 'user.overlay.'] as const;
/** PAX records that carry extended attributes (GNU tar and Go's archive/tar spelling). */
export const PAX_XATTR_PREFIX = 'SCHILY.xattr.';

export function isOverlayXattr(name: string): boolean {
  return OVERLAY_XATTR_PREFIXES.some((p) => name.startsWith(p));
}
