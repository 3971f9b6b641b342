import { SkiffError } from '../errors.js';

/** A mount or unmount failed or did not take effect; the message names the target and why. */
export class MountError extends SkiffError {
  constructor(
    readonly target: string,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? 'SKIFF_MOUNT_FAILED', message, options);
  }
}

/**
 * The mount data would not fit in one page: the kernel copies at most 4095 bytes plus NUL and
 * silently drops the rest (with 200 overlay lowers only 133 were mounted, no error).
 */
export class MountOptionsTooLongError extends MountError {
  constructor(target: string, length: number) {
    super(
      target,
      `mount options for ${target} are ${length} bytes; the kernel truncates mount data at 4096 bytes ` +
        'without an error. Use shorter lower directory names (relative to the mount cwd) or fewer layers',
      { code: 'SKIFF_MOUNT_OPTIONS_TOO_LONG' },
    );
  }
}
