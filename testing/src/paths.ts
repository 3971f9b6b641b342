/** Where the repository's programs and fixture recipes are, for suites that run them as processes. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (no trailing slash). */
export const REPO = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The `skiff` CLI (runs engine/dist: `npm test` builds before the suites). */
export const SKIFF_BIN = path.join(REPO, 'engine/bin/skiff.js');
/** The `skiffd` daemon. */
export const SKIFFD_BIN = path.join(REPO, 'engine/bin/skiffd.js');
/** Writes the busybox root filesystem tar of the fixture images (Debian's busybox-static). */
export const MAKE_BUSYBOX = path.join(REPO, 'fixtures/busybox/make-rootfs.sh');
/** Where `npm run fixtures` keeps the test images and the tars they are made from. */
export const FIXTURES_CACHE = process.env.SKIFF_FIXTURES_CACHE ?? '/var/cache/skiff';
