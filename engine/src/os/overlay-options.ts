import { InvalidArgumentError } from '../errors.js';
import { MountOptionsTooLongError } from './mount-error.js';
import type { OverlayMountRequest, TmpfsMountOptions } from './mounter.js';

/** mount(2) copies one page of option data, NUL included. */
export const MAX_MOUNT_DATA_BYTES = 4096;

/** Characters with a meaning inside overlay options: `,` separates options, `:` lowers, `\` escapes. */
const UNSAFE_IN_OPTION = /[,:\\\n]/;

function checkPath(what: string, value: string): void {
  if (value.length === 0 || UNSAFE_IN_OPTION.test(value)) {
    throw new InvalidArgumentError(
      `overlay ${what} ${JSON.stringify(value)} is empty or contains one of , : \\ or a newline, ` +
        'which overlayfs would split on; use a plain directory name',
    );
  }
}

/**
 * The `-o` string for an overlay mount, validated: refuses separators inside paths and strings the
 * kernel would truncate (≥ 4096 bytes), so a mount never silently loses layers.
 */
export function overlayOptionString(request: OverlayMountRequest): string {
  const { lowerDirs, upperDir, workDir } = request;
  if (lowerDirs.length === 0) {
    throw new InvalidArgumentError(`overlay mount at ${request.target} needs at least one lower directory`);
  }
  if ((upperDir === undefined) !== (workDir === undefined)) {
    throw new InvalidArgumentError(
      `overlay mount at ${request.target} needs both upperdir and workdir, or neither`,
    );
  }
  if (upperDir === undefined && lowerDirs.length < 2) {
    throw new InvalidArgumentError(
      `read-only overlay mount at ${request.target} needs at least two lower directories`,
    );
  }
  for (const dir of lowerDirs) checkPath('lowerdir', dir);
  const parts = [`lowerdir=${lowerDirs.join(':')}`];
  if (upperDir !== undefined && workDir !== undefined) {
    checkPath('upperdir', upperDir);
    checkPath('workdir', workDir);
    parts.push(`upperdir=${upperDir}`, `workdir=${workDir}`);
  }
  for (const option of request.options ?? []) {
    if (option.includes(','))
      throw new InvalidArgumentError(`overlay option ${JSON.stringify(option)} contains a comma`);
    parts.push(option);
  }
  const data = parts.join(',');
  const bytes = Buffer.byteLength(data);
  if (bytes >= MAX_MOUNT_DATA_BYTES) throw new MountOptionsTooLongError(request.target, bytes);
  return data;
}

export function tmpfsOptionString(options: TmpfsMountOptions = {}): string {
  const parts: string[] = [];
  if (options.size !== undefined) {
    if (!Number.isSafeInteger(options.size) || options.size <= 0) {
      throw new InvalidArgumentError(`tmpfs size must be a positive number of bytes, got ${options.size}`);
    }
    parts.push(`size=${options.size}`);
  }
  if (options.mode !== undefined) parts.push(`mode=${options.mode.toString(8).padStart(4, '0')}`);
  for (const option of options.options ?? []) parts.push(option);
  return parts.join(',');
}

/** Overlay's `lowerdir=` value as shown in mountinfo, split on unescaped colons. */
export function splitLowerdir(value: string): string[] {
  return value.split(/(?<!\\):/);
}
