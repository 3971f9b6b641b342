import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

/**
 * Where the init for `Init: true` (`docker run --init`, compose `init: true`) is looked for, first
 * found wins. Static builds only: the binary is bind-mounted into images of any libc, or none.
 * Debian's `tini` package ships /usr/bin/tini-static (set-up installs it); Docker's own static
 * tini is called docker-init.
 */
export const INIT_BINARY_CANDIDATES: readonly string[] = [
  '/usr/bin/tini-static',
  '/usr/local/bin/tini-static',
  '/usr/bin/docker-init',
  '/usr/local/bin/docker-init',
  '/usr/libexec/docker/docker-init',
];

/** The package that provides the first candidate, for messages that say what to install. */
export const INIT_BINARY_PACKAGE = 'tini';

function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The first executable candidate, or `undefined` when the host has none. */
export async function findInitBinary(
  candidates: readonly string[] = INIT_BINARY_CANDIDATES,
  executable: (file: string) => Promise<boolean> = isExecutable,
): Promise<string | undefined> {
  for (const file of candidates) if (await executable(file)) return file;
  return undefined;
}
